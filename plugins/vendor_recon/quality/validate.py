"""Great Expectations side: one Checkpoint per layer, Data Docs built to a folder."""

from __future__ import annotations

import json
import logging
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

import great_expectations as gx
import pandas as pd
from great_expectations.checkpoint import UpdateDataDocsAction
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)

from vendor_recon.quality.report import ExpectationOutcome
from vendor_recon.quality.suites import CRITICAL, SEVERITY_KEY, Suite

logger = logging.getLogger(__name__)

DOCS_SITE = "vendor_recon"
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
    """Validate each suite's dataframe in one Checkpoint and rebuild the Data Docs."""
    context = _ephemeral_context(docs_dir)
    to_run = [suite for suite in suites if suite.name in frames]
    if not to_run:
        # Nothing could be read; still build the site so the index path exists.
        context.build_data_docs(site_names=[DOCS_SITE])
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
                actions=[
                    UpdateDataDocsAction(name="update_docs", site_names=[DOCS_SITE])
                ],
                result_format="SUMMARY",
            )
        )
        result = checkpoint.run(
            run_id=RunIdentifier(run_name=run_id, run_time=run_time)
        )

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
    gx_suite = context.suites.add(
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


def _ephemeral_context(docs_dir: Path) -> Any:
    # In-memory stores leave no GX project folder anywhere; only the Data Docs
    # site writes files, into the folder the caller chose.
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
        data_docs_sites={
            DOCS_SITE: {
                "class_name": "SiteBuilder",
                "show_how_to_buttons": False,
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(docs_dir),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            }
        },
    )
    return gx.get_context(mode="ephemeral", project_config=config)


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
