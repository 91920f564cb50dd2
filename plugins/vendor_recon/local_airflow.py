"""An embedded Airflow for the demo and tests: a local metadata DB and dag.test().

Environment variables must be set before Airflow is imported, so callers use
`prepare_environment` first and import Airflow only through this module.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

QUIET_ENV = {
    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
    "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
    "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
    "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
    "DO_NOT_TRACK": "1",
    "SCARF_NO_ANALYTICS": "true",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    "DBT_VERSION_CHECK": "False",
    "GX_ANALYTICS_ENABLED": "False",
}
# The demo prints its own progress; dbt's per-node lines stay in the task logs.
DEMO_ENV = {"DBT_QUIET": "True", "DBT_USE_COLORS": "False"}


def prepare_environment(
    airflow_home: Path, dags_folder: Path, *, quiet: bool = False
) -> None:
    """Point Airflow at a private home and the project's DAGs, telemetry off."""
    airflow_home.mkdir(parents=True, exist_ok=True)
    os.environ["AIRFLOW_HOME"] = str(airflow_home)
    os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(dags_folder)
    os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = (
        f"sqlite:///{airflow_home / 'airflow.db'}"
    )
    for name, value in {**QUIET_ENV, **(DEMO_ENV if quiet else {})}.items():
        os.environ.setdefault(name, value)
    # python-amazon-sp-api reads these and would override our endpoints.
    for name in ("SP_API_DEFAULT_MARKETPLACE", "AWS_ENV"):
        os.environ.pop(name, None)


def set_connection(connection_id: str, fields: dict[str, Any]) -> None:
    """Define an Airflow connection through its environment variable (JSON form)."""
    import json

    os.environ[f"AIRFLOW_CONN_{connection_id.upper()}"] = json.dumps(fields)


def migrate_db() -> None:
    from airflow.utils.db import initdb

    initdb()


def load_dag(dags_folder: Path, dag_id: str):
    """Parse the DAG folder as the dag-processor would and return one DAG.

    The dbt manifest the DAG is drawn from is rewritten first (`dbt parse`,
    about 3 s), so the model tasks match the models as they are now.
    """
    from airflow.dag_processing.dagbag import DagBag

    from vendor_recon.dbt_tasks import write_manifest

    write_manifest()
    bag = DagBag(dag_folder=str(dags_folder))
    if bag.import_errors:
        raise ImportError(f"{dags_folder}: DAG import errors: {bag.import_errors}")
    if dag_id not in bag.dags:
        raise LookupError(f"{dags_folder}: defines no DAG {dag_id!r}")
    return bag.dags[dag_id]


def run_dag(dag, logical_date: datetime) -> str:
    """Run one DAG run in-process; return its final state as a string."""
    dag_run = dag.test(logical_date=logical_date)
    state = str(getattr(dag_run, "state", "unknown"))
    log.info("dag %s for %s finished: %s", dag.dag_id, logical_date.isoformat(), state)
    return state
