"""What one layer's checkpoint found: per-expectation outcomes and the verdict."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vendor_recon.quality.suites import CRITICAL, WARNING


@dataclass(frozen=True)
class ExpectationOutcome:
    """One expectation's result on one table, flattened for storage and messages."""

    suite_name: str
    table_name: str
    expectation_type: str
    column_names: tuple[str, ...]
    kwargs: dict[str, Any]
    severity: str
    success: bool
    unexpected_count: int | None = None
    element_count: int | None = None
    observed_value: str | None = None
    exception_message: str | None = None

    def describe(self) -> str:
        """One line naming the suite, column(s), expectation and what went wrong."""
        columns = ", ".join(self.column_names) if self.column_names else "table"
        text = f"{self.suite_name} [{columns}]: {self.expectation_type}"
        if self.unexpected_count is not None:
            text += f", {self.unexpected_count} unexpected"
            if self.element_count is not None:
                text += f" of {self.element_count}"
        if self.observed_value is not None:
            text += f", observed {self.observed_value}"
        if self.exception_message:
            text += f": {self.exception_message}"
        return text


class QualityCheckFailed(Exception):
    """Critical expectations failed; the message lists each one."""

    def __init__(self, report: QualityReport) -> None:
        self.report = report
        lines = [
            f"{len(report.failed_critical)} critical data-quality check(s) failed "
            f"in layer {report.layer} (run {report.run_id}); Data Docs: "
            f"{report.docs_index}"
        ]
        lines += [f"- {outcome.describe()}" for outcome in report.failed_critical]
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class QualityReport:
    run_id: str
    layer: str
    total: int
    failed_critical: list[ExpectationOutcome] = field(default_factory=list)
    failed_warning: list[ExpectationOutcome] = field(default_factory=list)
    docs_index: Path | None = None

    @classmethod
    def from_outcomes(
        cls,
        run_id: str,
        layer: str,
        outcomes: list[ExpectationOutcome],
        docs_index: Path | None,
    ) -> QualityReport:
        failed = [outcome for outcome in outcomes if not outcome.success]
        return cls(
            run_id=run_id,
            layer=layer,
            total=len(outcomes),
            failed_critical=[o for o in failed if o.severity == CRITICAL],
            failed_warning=[o for o in failed if o.severity == WARNING],
            docs_index=docs_index,
        )

    def raise_for_critical(self) -> None:
        """Raise QualityCheckFailed if any critical expectation failed."""
        if self.failed_critical:
            raise QualityCheckFailed(self)
