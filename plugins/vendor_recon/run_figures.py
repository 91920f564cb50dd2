"""A run's extraction figures per account and source, read from its landing manifests.

Each extract task writes what one source cost into the manifest it seals
(`stats`: pages and records read; `stats.api`: requests, 429s, retries and the
seconds spent waiting on the rate limiter and on retry backoff). Summing them
needs nothing but the snapshots, so the figures of any past run can be shown.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path
from typing import Any

from vendor_recon.landing import manifests_in, read_receipt, receipts_in

log = logging.getLogger(__name__)

# The call counters one source adds to its account's running totals.
API_COUNTERS = ("requests", "retries", "throttled", "token_refreshes")
API_SECONDS = ("limiter_wait_s", "backoff_s")
ALL = "all"


@dataclass(frozen=True)
class SourceFigures:
    """What reading one source of one account took (summed over its landings)."""

    account_id: str
    source: str
    landings: int
    documents: int
    pages: int
    quarantined: int
    # Records the API returned for a window they do not belong to (still landed).
    out_of_window: int
    requests: int
    throttled: int
    retries: int
    token_refreshes: int
    limiter_wait_s: float
    backoff_s: float


def api_figures_since(
    before: Mapping[str, Any], after: Mapping[str, Any]
) -> dict[str, Any]:
    """One source's share of an account's call figures (`CallStats.as_dict`).

    The client counts per account; the extract task takes a reading before and
    after each source and stores the difference in that source's manifest.
    """
    delta: dict[str, Any] = {
        name: after.get(name, 0) - before.get(name, 0) for name in API_COUNTERS
    }
    for name in API_SECONDS:
        delta[name] = round(after.get(name, 0.0) - before.get(name, 0.0), 3)
    earlier = before.get("by_status", {})
    delta["by_status"] = {
        status: count - earlier.get(status, 0)
        for status, count in after.get("by_status", {}).items()
        if count - earlier.get(status, 0)
    }
    return delta


def figures_from_manifests(manifests: Iterable[str | Path]) -> list[SourceFigures]:
    """Sum the manifests per (account, source), sorted by account then source.

    Inbox manifests count documents and pages (files) and no requests; a
    manifest from before the API figures were recorded counts zero requests.
    """
    sums: dict[tuple[str, str], dict[str, Any]] = {}
    for path in manifests:
        manifest = json.loads(Path(path).read_text())
        key = (manifest["account_id"], manifest["source"])
        totals = sums.setdefault(key, _zero())
        stats = manifest.get("stats") or {}
        api = stats.get("api") or {}
        totals["landings"] += 1
        totals["documents"] += sum(entry["rows"] for entry in manifest["files"])
        totals["pages"] += manifest.get("pages", 0)
        totals["quarantined"] += manifest.get("quarantined", 0)
        totals["out_of_window"] += stats.get("out_of_window", 0)
        for name in (*API_COUNTERS, *API_SECONDS):
            totals[name] += api.get(name, 0)
    return [
        SourceFigures(
            account_id=account_id,
            source=source,
            **{
                name: round(value, 3) if isinstance(value, float) else value
                for name, value in sums[(account_id, source)].items()
            },
        )
        for account_id, source in sorted(sums)
    ]


def total(figures: Sequence[SourceFigures]) -> SourceFigures:
    """Every row added up, labelled account and source "all"."""
    sums = _zero()
    for row in figures:
        for name in sums:
            sums[name] += getattr(row, name)
    return SourceFigures(
        account_id=ALL,
        source=ALL,
        **{
            name: round(value, 3) if isinstance(value, float) else value
            for name, value in sums.items()
        },
    )


def latest_load_manifests(snapshot_root: str | Path) -> list[Path]:
    """The manifests the most recent load receipt names: the last run's landings."""
    receipts = receipts_in(snapshot_root)
    if not receipts:
        return []
    _loaded_at, entries, _accounts = read_receipt(snapshot_root, receipts[-1])
    return [manifest for manifest, _labels in entries]


def day_manifests(snapshot_root: str | Path, day: date) -> list[Path]:
    """Every manifest filed under a UTC day of extraction, loaded or not."""
    return manifests_in(snapshot_root, day)


def log_figures(figures: Sequence[SourceFigures]) -> None:
    for row in figures:
        log.info(
            "account %s, %s: %s documents (%s outside their window) in %s pages "
            "from %s requests (%s throttled, %s retries); waited %.1fs on the "
            "limiter, %.1fs in backoff",
            row.account_id,
            row.source,
            row.documents,
            row.out_of_window,
            row.pages,
            row.requests,
            row.throttled,
            row.retries,
            row.limiter_wait_s,
            row.backoff_s,
        )


def _zero() -> dict[str, Any]:
    names = [f.name for f in fields(SourceFigures)][2:]
    return {name: 0.0 if name in API_SECONDS else 0 for name in names}
