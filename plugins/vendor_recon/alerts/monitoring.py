"""Build the dbt monitoring models (gaps, stuck lines, alerts) after the checks."""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime
from typing import Any

from vendor_recon.settings import Settings

logger = logging.getLogger(__name__)

SELECTOR = "path:models/monitoring"


def build_monitoring(settings: Settings, *, as_of: datetime | None = None) -> dict:
    """`dbt build` of models/monitoring only, in-process; raise on any failure.

    Run it after the checkpoints, so that alerts see this run's results.
    ``as_of`` (the data interval's end) makes the build repeatable; without it
    the models use the time of the build.
    """
    from dbt.cli.main import dbtRunner

    os.environ["VENDOR_RECON_WAREHOUSE"] = str(settings.warehouse_path)
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
    os.environ.setdefault("DBT_VERSION_CHECK", "False")
    project = settings.dbt_project_dir
    args = [
        "build",
        "--select",
        SELECTOR,
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
    if as_of is not None:
        args += ["--vars", json.dumps({"as_of": as_of.isoformat()})]
    result = dbtRunner().invoke(args)
    nodes: list[Any] = list(getattr(result.result, "results", None) or [])
    failed = [
        f"{node.node.name}: {node.status}"
        for node in nodes
        if str(node.status) not in ("success", "pass", "skipped")
    ]
    if not result.success:
        raise RuntimeError(
            f"dbt build of {SELECTOR} failed: {'; '.join(failed) or result.exception}"
        )
    logger.info("Monitoring models built: %s nodes", len(nodes))
    return {"nodes": len(nodes), "failed": failed}
