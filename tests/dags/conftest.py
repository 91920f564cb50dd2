"""The DAG is drawn from the dbt manifest: write it once before these tests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session", autouse=True)
def dbt_manifest():
    from vendor_recon.dbt_tasks import write_manifest

    return write_manifest()
