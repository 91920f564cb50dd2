"""Each inbox test gets its own inbox, snapshots and warehouse."""

from __future__ import annotations

import pytest
from inbox_harness import settings_in

from vendor_recon.settings import Settings


@pytest.fixture
def settings(tmp_path) -> Settings:
    return settings_in(tmp_path)
