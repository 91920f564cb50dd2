"""The daily job's steps as plain functions; Airflow tasks only call these.

Every step takes its data interval explicitly and returns a small JSON-able
summary (XCom carries it), never a client or a dataframe.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import re
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from vendor_recon.config import VendorAccount
from vendor_recon.landing import LandingWriter
from vendor_recon.run_figures import (
    api_figures_since,
    figures_from_manifests,
    log_figures,
    total,
)
from vendor_recon.settings import Settings
from vendor_recon.sources.registry import EXTRACTORS, sources_for
from vendor_recon.sources.windows import request_window
from vendor_recon.spapi.client import AccountApi, RetryPolicy
from vendor_recon.spapi.credentials import SpApiCredentials
from vendor_recon.spapi.ratelimit import LIMITERS, RateLimiters
from vendor_recon.warehouse import (
    load_landed_files,
    loaded_inbox_files,
    results_as_dicts,
)

log = logging.getLogger(__name__)


def make_load_id(run_id: str) -> str:
    """A file-name-safe id from the run id, made unique so reruns never collide."""
    safe = re.sub(r"[^A-Za-z0-9]+", "-", run_id).strip("-")[:80]
    return f"{safe}-{os.urandom(3).hex()}"


def extract_account(
    account: VendorAccount,
    credentials: SpApiCredentials,
    *,
    interval_start: datetime,
    interval_end: datetime,
    run_id: str,
    settings: Settings,
    sources: Sequence[str] | None = None,
    policy: RetryPolicy | None = None,
    limiters: RateLimiters = LIMITERS,
) -> dict[str, Any]:
    """Land every source of one account for the interval plus lookback."""
    window = request_window(interval_start, interval_end, settings.lookback)
    api = AccountApi(account, credentials, policy=policy, limiters=limiters)
    load_id = make_load_id(run_id)
    extracted_at = datetime.now(UTC)
    landed = []
    for name in sources or sources_for(account):
        # The client counts per account; the manifest keeps this source's share.
        before = api.stats.as_dict()
        with LandingWriter(
            settings.snapshot_root, account, name, load_id, extracted_at
        ) as writer:
            stats = EXTRACTORS[name](api, window, writer)
            api_share = api_figures_since(before, api.stats.as_dict())
            landed.append(writer.commit(stats={**asdict(stats), "api": api_share}))
    summary = {
        "account_id": account.account_id,
        "load_id": load_id,
        "window_start": window.start.isoformat(),
        "window_end": window.end.isoformat(),
        "manifests": [item.manifest_path for item in landed],
        "rows": {item.source: item.rows for item in landed},
        "api": api.stats.as_dict(),
    }
    log.info(
        "account %s: landed %s documents from %s requests (%s throttled, %s retries)",
        account.account_id,
        sum(summary["rows"].values()),
        api.stats.requests,
        api.stats.throttled,
        api.stats.retries,
    )
    return summary


def extract_inbox(
    account: VendorAccount, *, run_id: str, settings: Settings
) -> dict[str, Any]:
    """Land the account's new inbox files: invoices, ASNs, remittances.

    A file already in the warehouse (by content hash) is skipped; each new file
    lands record by record, bad records and unreadable files as quarantine rows.
    Folders without new files land nothing, so a quiet day adds no snapshot.
    """
    from vendor_recon import inbox, warehouse_postgres

    if warehouse_postgres.warehouse_kind() == "postgres":
        seen = warehouse_postgres.loaded_inbox_files(None, account.account_id)
    else:
        seen = loaded_inbox_files(settings.warehouse_path, account.account_id)
    load_id = make_load_id(run_id)
    extracted_at = datetime.now(UTC)
    landed = []
    files: dict[str, dict[str, int]] = {}
    for folder in inbox.FOLDERS:
        stats = inbox.ScanStats()
        found = inbox.new_files(
            settings.inbox, account.account_id, folder.folder, seen, stats
        )
        first = next(found, None)
        if first is not None:
            with LandingWriter(
                settings.snapshot_root, account, folder.source, load_id, extracted_at
            ) as writer:
                for item in itertools.chain([first], found):
                    writer.write_file(
                        operation=folder.operation,
                        source_file=item.name,
                        source_file_sha256=item.sha256,
                        size_bytes=item.size,
                        rows=inbox.read_file(folder, item, account),
                    )
                landed.append(writer.commit(stats=asdict(stats)))
        files[folder.source] = asdict(stats)
    summary = {
        "account_id": account.account_id,
        "load_id": load_id,
        "window_start": None,
        "window_end": None,
        "manifests": [item.manifest_path for item in landed],
        "rows": {item.source: item.rows for item in landed},
        "files": files,
    }
    log.info(
        "account %s: landed %s records from %s new inbox files (%s skipped as seen)",
        account.account_id,
        sum(summary["rows"].values()),
        sum(item["new"] for item in files.values()),
        sum(item["already_seen"] for item in files.values()),
    )
    return summary


def load_raw(
    extractions: Sequence[dict[str, Any]],
    accounts: Sequence[VendorAccount],
    settings: Settings,
) -> dict[str, Any]:
    """The single writer: load every account's landing files in one transaction."""
    from vendor_recon import warehouse_postgres

    manifests = [path for item in extractions for path in item["manifests"]]
    if warehouse_postgres.warehouse_kind() == "postgres":
        results = warehouse_postgres.load_landed_files(
            None, manifests, accounts, snapshot_root=settings.snapshot_root
        )
    else:
        results = load_landed_files(
            settings.warehouse_path,
            manifests,
            accounts,
            snapshot_root=settings.snapshot_root,
        )
    inserted = sum(result.rows_inserted for result in results)
    log.info(
        "loaded %s landing files into %s: %s new document versions",
        len(results),
        settings.warehouse_path,
        inserted,
    )
    figures = figures_from_manifests(manifests)
    log_figures([*figures, total(figures)])
    return {
        "files": results_as_dicts(results),
        "rows_inserted": inserted,
        "figures": [asdict(row) for row in figures],
    }


def _dbt_env(settings: Settings) -> None:
    os.environ["VENDOR_RECON_WAREHOUSE"] = str(settings.warehouse_path)
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
    os.environ.setdefault("DBT_VERSION_CHECK", "False")


def build_marts(
    settings: Settings,
    *,
    command: str = "build",
    variables: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Run dbt in-process (no shell) against the warehouse; raise on any failure.

    `variables` are dbt vars, e.g. {"as_of": ...} to judge the marts as of a day.
    """
    from dbt.cli.main import dbtRunner

    _dbt_env(settings)
    project = settings.dbt_project_dir
    args = [
        command,
        "--project-dir",
        str(project),
        "--profiles-dir",
        str(project),
        "--target",
        settings.dbt_target,
        "--target-path",
        str(settings.warehouse_path.parent / "dbt_target"),
        "--log-path",
        str(settings.warehouse_path.parent / "dbt_logs"),
    ]
    if variables:
        args += ["--vars", json.dumps(variables)]
    result = dbtRunner().invoke(args)
    nodes = []
    if result.result is not None and hasattr(result.result, "results"):
        nodes = [
            {"node": r.node.unique_id, "status": str(r.status)}
            for r in result.result.results
        ]
    failed = [n for n in nodes if n["status"] not in ("success", "pass", "skipped")]
    if not result.success:
        detail = "; ".join(f"{n['node']}: {n['status']}" for n in failed[:10])
        raise RuntimeError(
            f"dbt {command} failed ({len(failed)} of {len(nodes)} nodes): "
            f"{detail or result.exception}"
        )
    log.info("dbt %s: %s nodes ok", command, len(nodes))
    return {"nodes": len(nodes), "failed": failed}


def check_quality(settings: Settings, *, layer: str, run_id: str) -> dict[str, Any]:
    """Run the layer's Great Expectations checkpoint; raise on a critical failure."""
    from vendor_recon.quality import run_checkpoint

    report = run_checkpoint(layer, settings.warehouse_path, settings.docs_dir, run_id)
    summary = {
        "layer": layer,
        "total": report.total,
        "failed_critical": len(report.failed_critical),
        "failed_warning": len(report.failed_warning),
        "docs_index": str(report.docs_index),
    }
    log.info(
        "quality %s: %s expectations, %s critical and %s warning failures; docs %s",
        layer,
        report.total,
        summary["failed_critical"],
        summary["failed_warning"],
        report.docs_index,
    )
    report.raise_for_critical()
    return summary


def check_marts(settings: Settings, *, run_id: str) -> dict[str, Any]:
    """The marts' checkpoint; marts that pass are published, else kept back.

    On a critical failure this raises before publishing, and the DAG's
    restore task puts back the marts of the last good run.
    """
    from vendor_recon.quality import published_marts

    summary = check_quality(settings, layer="marts", run_id=run_id)
    published_marts.mark_published(settings.warehouse_path, run_id)
    return summary


def data_docs_path(settings: Settings) -> Path:
    return settings.docs_dir / "index.html"
