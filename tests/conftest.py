"""Test-wide setup: a private Airflow home and no telemetry, before Airflow loads."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="vendor-recon-airflow-"))
os.environ["AIRFLOW_HOME"] = str(_AIRFLOW_HOME)
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(REPO / "dags")
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = (
    f"sqlite:///{_AIRFLOW_HOME / 'airflow.db'}"
)
for _name, _value in {
    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
    "DO_NOT_TRACK": "1",
    "SCARF_NO_ANALYTICS": "true",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    "DBT_VERSION_CHECK": "False",
    "GX_ANALYTICS_ENABLED": "False",
}.items():
    os.environ[_name] = _value
for _name in ("SP_API_DEFAULT_MARKETPLACE", "AWS_ENV"):
    os.environ.pop(_name, None)


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO
