"""The dbt models as Airflow tasks through astronomer-cosmos: one task per model.

Two groups, chosen by path so that new models, seeds and snapshots join them
without an edit: `staging_task_group()` builds models/staging, whose checks
must pass before anything downstream is touched; `marts_task_group()` builds
everything else (seeds, snapshots, intermediate models, marts). The monitoring
models read this run's check results, so neither group builds them.

The DAG file calls both while it is parsed, so this module stays
cheap to import: cosmos is imported inside the function, the dbt graph comes
from a manifest written beforehand by `dbt parse` (`write_manifest()`, run by
`make manifest`, the demo, the tests and the image build), and nothing here
opens a connection or reads an Airflow Variable.

Every model task runs `dbt build --select <model>` (the model, then its data and
unit tests) with its own retries. All warehouse writers share the
`WAREHOUSE_POOL` pool: with DuckDB it has one slot, because DuckDB allows one
writing process per file; with PostgreSQL it may have more.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from vendor_recon.settings import Settings

WAREHOUSE_POOL = "warehouse_writer"
WAREHOUSE_POOL_SLOTS = 1
WAREHOUSE_POOL_DESCRIPTION = (
    "Tasks that write the warehouse; one slot for DuckDB (a single writer)"
)
PROFILE_NAME = "vendor_recon"
STAGING_SELECTOR = "path:models/staging"
MONITORING_SELECTOR = "path:models/monitoring"
TELEMETRY_OFF = {
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    "DBT_VERSION_CHECK": "False",
    "DO_NOT_TRACK": "1",
    "SCARF_NO_ANALYTICS": "true",
}


class ManifestMissingError(FileNotFoundError):
    """The DAG cannot be drawn before `dbt parse` has written the manifest."""


def manifest_path(settings: Settings | None = None) -> Path:
    """Where `dbt parse` writes the manifest the DAG is drawn from."""
    settings = settings or Settings.from_env()
    configured = os.environ.get("VENDOR_RECON_DBT_MANIFEST")
    if configured:
        return Path(configured).resolve()
    return settings.dbt_project_dir / "target" / "manifest.json"


def dbt_executable() -> str:
    """The `dbt` script of the interpreter running Airflow, else the one on PATH.

    Cosmos wants it even for dbtRunner, to check dbt is there.
    """
    beside = Path(sys.executable).parent / "dbt"
    if beside.is_file():
        return str(beside)
    import shutil

    return shutil.which("dbt") or "dbt"


def dbt_env(settings: Settings) -> dict[str, str]:
    """Variables `profiles.yml` reads, with dbt's telemetry switched off."""
    return {"VENDOR_RECON_WAREHOUSE": str(settings.warehouse_path), **TELEMETRY_OFF}


def staging_task_group(group_id: str = "build_staging", **task_args: Any):
    """One `dbt build` task per staging model (and its tests)."""
    return dbt_task_group(group_id, select=[STAGING_SELECTOR], **task_args)


def marts_task_group(group_id: str = "build_marts", **task_args: Any):
    """One task per seed, snapshot, intermediate model and mart: all but staging
    (built and checked before) and monitoring (built after the checks)."""
    return dbt_task_group(
        group_id, exclude=[STAGING_SELECTOR, MONITORING_SELECTOR], **task_args
    )


def dbt_task_group(
    group_id: str,
    *,
    select: list[str] | None = None,
    exclude: list[str] | None = None,
    **task_args: Any,
):
    """A cosmos DbtTaskGroup with one `dbt build` task per selected node.

    `select` and `exclude` are cosmos RenderConfig selectors (`path:...`);
    `task_args` (retries, retry_delay, ...) go to every model task.
    """
    from cosmos import (
        DbtTaskGroup,
        ExecutionConfig,
        ExecutionMode,
        InvocationMode,
        LoadMode,
        ProfileConfig,
        ProjectConfig,
        RenderConfig,
        TestBehavior,
    )

    settings = Settings.from_env()
    manifest = manifest_path(settings)
    if not manifest.is_file():
        raise ManifestMissingError(
            f"{manifest}: dbt manifest not found; run `make manifest` "
            "(dbt parse) before the DAG is parsed"
        )
    project = settings.dbt_project_dir
    return DbtTaskGroup(
        group_id=group_id,
        project_config=ProjectConfig(
            dbt_project_path=project,
            manifest_path=manifest,
            install_dbt_deps=False,
            env_vars=dbt_env(settings),
        ),
        profile_config=ProfileConfig(
            profile_name=PROFILE_NAME,
            target_name=settings.dbt_target,
            profiles_yml_filepath=project / "profiles.yml",
        ),
        # dbt in the task's own process (dbtRunner): about 1.5 s a model against
        # 8 s for a `dbt` subprocess on 2 cores. Under a scheduler each task is
        # a process of its own that exits, closing the DuckDB file, before the
        # pool lets the next writer start; under dag.test() the tasks share one
        # process and dbt-duckdb's one connection, as the loader and GX do.
        execution_config=ExecutionConfig(
            execution_mode=ExecutionMode.LOCAL,
            invocation_mode=InvocationMode.DBT_RUNNER,
            dbt_executable_path=dbt_executable(),
        ),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            test_behavior=TestBehavior.BUILD,
            select=select or [],
            exclude=exclude or [],
            # A test of two models (relationships) waits for both as its own
            # task; inside either model's task the other may not exist yet.
            should_detach_multiple_parents_tests=True,
            emit_datasets=False,
            enable_mock_profile=False,
        ),
        operator_args={
            "pool": WAREHOUSE_POOL,
            # Time rules ("past due", "no ASN by the ship window") are judged as
            # of the run's data interval, never the wall clock, so a rerun or a
            # backfill of a day gives that day's answer.
            "vars": {"as_of": "{{ data_interval_end.isoformat() }}"},
            "install_deps": False,
            "should_store_compiled_sql": False,
            **task_args,
        },
    )


def write_manifest(settings: Settings | None = None) -> Path:
    """Run `dbt parse` so that the DAG can be drawn; return the manifest path.

    In-process and about 3 s (2 s with partial parsing). It neither connects to
    the warehouse nor needs it to exist.
    """
    from dbt.cli.main import dbtRunner

    settings = settings or Settings.from_env()
    manifest = manifest_path(settings)
    os.environ.setdefault("VENDOR_RECON_WAREHOUSE", str(settings.warehouse_path))
    for name, value in TELEMETRY_OFF.items():
        os.environ.setdefault(name, value)
    project = settings.dbt_project_dir
    result = dbtRunner().invoke(
        [
            "parse",
            "--quiet",
            "--project-dir",
            str(project),
            "--profiles-dir",
            str(project),
            "--target",
            settings.dbt_target,
            "--target-path",
            str(manifest.parent),
        ]
    )
    if not result.success or not manifest.is_file():
        raise RuntimeError(f"dbt parse failed for {project}: {result.exception}")
    return manifest


def ensure_pool() -> None:
    """Create the warehouse writers' pool in the metadata DB if it is missing."""
    from airflow.models.pool import Pool

    if Pool.get_pool(WAREHOUSE_POOL) is None:
        Pool.create_or_update_pool(
            WAREHOUSE_POOL,
            slots=WAREHOUSE_POOL_SLOTS,
            description=WAREHOUSE_POOL_DESCRIPTION,
            include_deferred=False,
        )
