"""Markers of the deployment tests, registered here so they stay beside them."""

from __future__ import annotations


def pytest_configure(config) -> None:
    config.addinivalue_line(
        "markers",
        "scheduler: runs the DAG under a real Airflow scheduler, dag-processor "
        "and api-server (slow, about 3 to 5 minutes)",
    )
    config.addinivalue_line(
        "markers",
        "postgres: needs a PostgreSQL server on 127.0.0.1 (skipped without one)",
    )
