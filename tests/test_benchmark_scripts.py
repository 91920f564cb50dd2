"""The benchmark scripts still run against the code they measure.

They are not imported by anything else, so a changed signature in the
extraction path would otherwise break them unnoticed. The figures they print
are not asserted (they are measurements), only what a small run must show.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def test_backfill_benchmark_loads_every_version_once_and_nothing_on_rerun(tmp_path):
    days, orders_per_day, lines = 2, 5, 2
    result = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [
            sys.executable,
            str(BENCHMARKS / "extract_backfill.py"),
            f"--days={days}",
            f"--orders-per-day={orders_per_day}",
            f"--lines-per-order={lines}",
            "--simulator-days=0",
            f"--work={tmp_path}",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    versions = [
        int(n.replace(",", ""))
        for n in re.findall(r"([\d,]+) new document versions", result.stdout)
    ]
    # First run: one version per PO; the rerun of the same year adds none.
    assert versions == [days * orders_per_day, 0], result.stdout
