"""Run one layer's suites against the warehouse and record what they found."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from vendor_recon.quality.report import QualityReport
from vendor_recon.quality.suites import load_suites
from vendor_recon.quality.warehouse import read_tables, write_outcomes
from vendor_recon.warehouse_postgres import warehouse_kind

logger = logging.getLogger(__name__)


def run_checkpoint(
    layer: str,
    warehouse_path: str | Path,
    docs_dir: str | Path,
    run_id: str,
    *,
    expectations_dir: str | Path | None = None,
    as_of: datetime | None = None,
) -> QualityReport:
    """Validate every suite of ``layer``, build Data Docs, store one row per result.

    The warehouse is the DuckDB file at ``warehouse_path``, or PostgreSQL when
    VENDOR_RECON_WAREHOUSE_KIND=postgres (the path is then not used).

    Failed expectations do not raise here; call ``raise_for_critical()`` on the
    report. A table that is missing or cannot be read counts as a failed
    critical check of its suite (an optional suite's missing table is skipped).
    Re-running a run_id replaces its rows. ``as_of`` is the moment suites check
    "not in the future" and "the latest day" against; it defaults to now.
    """
    warehouse_path = Path(warehouse_path)
    docs_dir = Path(docs_dir)
    if warehouse_kind() == "duckdb" and not warehouse_path.is_file():
        # duckdb.connect would create an empty file and report every table as
        # missing; a wrong path is a configuration error, not a data defect.
        raise FileNotFoundError(f"{warehouse_path}: warehouse file not found")

    suites = load_suites(layer, expectations_dir)
    validated_at = datetime.now(UTC)
    frames, problems = read_tables(warehouse_path, suites, as_of or validated_at)
    docs_dir.mkdir(parents=True, exist_ok=True)

    # Imported here: Great Expectations takes seconds to import, and DAG files
    # import this package at parse time.
    from vendor_recon.quality.validate import validate_layer

    validated = validate_layer(layer, suites, frames, docs_dir, run_id, validated_at)
    # Skipped optional suites have neither frames nor problems.
    order = {suite.name: index for index, suite in enumerate(suites)}
    outcomes = sorted(problems + validated, key=lambda o: order[o.suite_name])
    write_outcomes(warehouse_path, run_id, layer, outcomes, validated_at)

    report = QualityReport.from_outcomes(
        run_id, layer, outcomes, docs_index=docs_dir / "index.html"
    )
    for outcome in report.failed_warning:
        logger.warning("Warning check failed: %s", outcome.describe())
    for outcome in report.failed_critical:
        logger.error("Critical check failed: %s", outcome.describe())
    logger.info(
        "Layer %s run %s: %s suites, %s expectations, %s critical and %s warning "
        "failed",
        layer,
        run_id,
        len(suites),
        report.total,
        len(report.failed_critical),
        len(report.failed_warning),
    )
    return report
