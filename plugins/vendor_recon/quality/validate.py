"""Great Expectations side: one Checkpoint per layer, its results in the Data Docs."""

from __future__ import annotations

import json
import logging
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

import great_expectations as gx
import pandas as pd
from great_expectations.core.run_identifier import RunIdentifier

from vendor_recon.quality.data_docs import add_to_site, docs_context, ensure_site
from vendor_recon.quality.report import ExpectationOutcome
from vendor_recon.quality.suites import CRITICAL, SEVERITY_KEY, Suite

logger = logging.getLogger(__name__)

# Keys of an expectation's kwargs that name the columns it looks at.
_COLUMN_KWARGS = ("column", "column_A", "column_B", "column_list")


def validate_layer(
    layer: str,
    suites: list[Suite],
    frames: dict[str, pd.DataFrame],
    docs_dir: Path,
    run_id: str,
    run_time: datetime,
) -> list[ExpectationOutcome]:
    """Validate each suite's dataframe in one Checkpoint, add it to the Data Docs."""
    context = docs_context(docs_dir)
    to_run = [suite for suite in suites if suite.name in frames]
    if not to_run:
        # Nothing could be read; the index path is reported all the same.
        ensure_site(context, docs_dir)
        return []

    # A Checkpoint passes the same batch parameters to every validation, so a
    # batch cannot be handed its own in-memory dataframe; each suite's frame is
    # written to a file its batch definition reads instead.
    with tempfile.TemporaryDirectory(prefix="vendor-recon-gx-") as scratch:
        datasource = context.data_sources.add_pandas(name="warehouse")
        definitions = [
            _add_validation(
                context, datasource, suite, layer, frames[suite.name], scratch
            )
            for suite in to_run
        ]
        checkpoint = context.checkpoints.add(
            gx.Checkpoint(
                name=f"vendor_recon_{layer}",
                validation_definitions=definitions,
                result_format="SUMMARY",
            )
        )
        result = checkpoint.run(
            run_id=RunIdentifier(run_name=run_id, run_time=run_time)
        )
    add_to_site(context, docs_dir, list(result.run_results))

    by_suite = {item.suite_name: item for item in result.run_results.values()}
    outcomes = []
    for suite in to_run:
        # Results come back grouped by metric; put them back in the order the
        # suite file lists them, which is the order people read them in.
        position = {
            str(expectation.id): index
            for index, expectation in enumerate(
                context.suites.get(suite.name).expectations
            )
        }
        results = sorted(
            by_suite[suite.name].results,
            key=lambda item: position.get(str(item.expectation_config.id), 0),
        )
        outcomes += [_outcome(suite, item) for item in results]
    logger.info(
        "Checkpoint vendor_recon_%s ran %s suites, %s expectations",
        layer,
        len(to_run),
        len(outcomes),
    )
    return outcomes


def _add_validation(
    context: Any,
    datasource: Any,
    suite: Suite,
    layer: str,
    frame: pd.DataFrame,
    scratch: str,
) -> Any:
    path = Path(scratch) / f"{suite.name}.parquet"
    frame.to_parquet(path, index=False)
    asset = datasource.add_parquet_asset(name=suite.name, path=path)
    # The suite store outlives the run: a suite saved by an earlier run is
    # replaced with the one in expectations/ now.
    gx_suite = context.suites.add_or_update(
        gx.ExpectationSuite(
            name=suite.name,
            expectations=list(suite.expectations),
            meta={"table": suite.table, "layer": layer},
        )
    )
    return context.validation_definitions.add(
        gx.ValidationDefinition(
            name=suite.name,
            data=asset.add_batch_definition_whole_dataframe("whole_table"),
            suite=gx_suite,
        )
    )


def _outcome(suite: Suite, item: Any) -> ExpectationOutcome:
    config = item.expectation_config
    kwargs = {key: value for key, value in config.kwargs.items() if key != "batch_id"}
    columns: list[str] = []
    for key in _COLUMN_KWARGS:
        value = kwargs.get(key)
        if isinstance(value, str):
            columns.append(value)
        elif isinstance(value, list):
            columns += [str(column) for column in value]
    result = item.result or {}
    return ExpectationOutcome(
        suite_name=suite.name,
        table_name=suite.table,
        expectation_type=config.type,
        column_names=tuple(columns),
        kwargs=kwargs,
        # Suite() refuses untagged expectations; should meta still come back
        # empty, failing closed is safer than a failure nobody is told about.
        severity=(config.meta or {}).get(SEVERITY_KEY, CRITICAL),
        success=bool(item.success),
        unexpected_count=_count(result.get("unexpected_count")),
        element_count=_count(result.get("element_count")),
        observed_value=_text(result.get("observed_value")),
        exception_message=_exception_message(item.exception_info),
    )


def _count(value: Any) -> int | None:
    return None if value is None else int(value)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list | dict):
        return json.dumps(value, default=str)
    return str(value)


def _exception_message(info: Any) -> str | None:
    # GX reports an error either at the top level or keyed by the metric that
    # raised it (a missing column fails in a metric).
    if not isinstance(info, dict):
        return None
    if "raised_exception" in info:
        entries = [info]
    else:
        entries = [value for value in info.values() if isinstance(value, dict)]
    messages = sorted(
        {
            str(entry.get("exception_message"))
            for entry in entries
            if entry.get("raised_exception") and entry.get("exception_message")
        }
    )
    return "; ".join(messages) or None
