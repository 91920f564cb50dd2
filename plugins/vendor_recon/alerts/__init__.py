"""Alerts that reach people: delivery state, messages, notifiers and the digest.

Everything here but `notifiers` runs without Airflow. Names are imported on
first use, so that a DAG file importing `vendor_recon.alerts.callbacks` loads
neither DuckDB nor Airflow's notifier base at parse time.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Alert": "vendor_recon.alerts.model",
    "build_digest": "vendor_recon.alerts.digest",
    "deliver_pending": "vendor_recon.alerts.delivery",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
