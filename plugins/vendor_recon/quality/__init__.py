"""Data-quality checks: suites as code, run by Great Expectations, kept in SQL."""

from vendor_recon.quality.report import (
    ExpectationOutcome,
    QualityCheckFailed,
    QualityReport,
)
from vendor_recon.quality.runner import run_checkpoint
from vendor_recon.quality.suites import Suite, SuiteDefinitionError, critical, warning

__all__ = [
    "ExpectationOutcome",
    "QualityCheckFailed",
    "QualityReport",
    "Suite",
    "SuiteDefinitionError",
    "critical",
    "run_checkpoint",
    "warning",
]
