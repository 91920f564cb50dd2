"""Which windows of a source have been read to the end, and which are missing.

The load step writes `raw.extraction_checkpoints`: one row per (account,
source, pull, window) that a committed landing manifest lists as completely
read. Gaps between them are what a backfill has to read again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from vendor_recon.sources.windows import Window


@dataclass(frozen=True)
class MissingWindow:
    pull: str
    window: Window


def missing_windows(
    warehouse: str | Path | duckdb.DuckDBPyConnection,
    *,
    account_id: str,
    source: str,
    since: datetime,
    until: datetime,
    pulls: Sequence[str] | None = None,
) -> list[MissingWindow]:
    """The parts of [since, until) no checkpoint covers, per pull, in order.

    `pulls` defaults to the source's pulls in the registry (a pull never read
    is missing whole), else to those the checkpoints name. `until` is explicit
    because tasks never read the wall clock for logic.
    """
    since, until = since.astimezone(UTC), until.astimezone(UTC)
    if until <= since:
        return []
    rows = _checkpoints(warehouse, account_id, source, since, until)
    if pulls is None:
        pulls = _registered_pulls(source) or sorted({pull for pull, _, _ in rows})
    missing = []
    for pull in pulls:
        covered = sorted((start, end) for name, start, end in rows if name == pull)
        cursor = since
        for start, end in covered:
            if start > cursor:
                missing.append(MissingWindow(pull, Window(cursor, min(start, until))))
            cursor = max(cursor, end)
            if cursor >= until:
                break
        if cursor < until:
            missing.append(MissingWindow(pull, Window(cursor, until)))
    return missing


def _checkpoints(warehouse, account_id, source, since, until):
    sql = """
        select pull, window_start, window_end
        from raw.extraction_checkpoints
        where account_id = ? and source = ? and window_end > ? and window_start < ?
    """
    params = [account_id, source, since, until]
    if isinstance(warehouse, duckdb.DuckDBPyConnection):
        rows = warehouse.execute(sql, params).fetchall()
    elif not Path(warehouse).exists():
        rows = []
    else:
        with duckdb.connect(str(warehouse), read_only=True) as connection:
            try:
                rows = connection.execute(sql, params).fetchall()
            except duckdb.CatalogException:
                rows = []
    return [
        (pull, start.astimezone(UTC), end.astimezone(UTC)) for pull, start, end in rows
    ]


def _registered_pulls(source: str) -> list[str]:
    from vendor_recon.sources.registry import SOURCES

    spec = SOURCES.get(source)
    return [pull.name for pull in spec.pulls] if spec else []
