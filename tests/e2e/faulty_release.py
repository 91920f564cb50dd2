"""A faulty release of one mart model, deployed into the DAG's dbt project.

Every critical expectation of the marts suite (expectations/marts) is guarded
upstream: keys, state, uniqueness by dbt tests, quantities, currencies and
regions by the staging suites, on the very columns the mart copies. So no
data Amazon or the vendor sends can pass staging and fail only at the marts;
what the mart checks catch is a transformation gone wrong. This is one: a
release of fct_po_line_reconciliation that writes the FE region as the
country (JP). dbt builds it and its dbt tests pass (none tests region); the
critical region check of check_marts fails on every FE line.

It goes in through a real seam, not a patched check: the DAG runs the dbt
project at `VENDOR_RECON_DBT_PROJECT`, which the scenario points at a copy
of the repository's project, and `deployed()` swaps the model file of that
copy for one run, as a release would.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

MODEL = Path("models/marts/fct_po_line_reconciliation.sql")
CORRECT = "        po_lines.region,\n"
FAULTY = (
    "        case when po_lines.region = 'FE' then 'JP' else po_lines.region end\n"
    "            as region,\n"
)
WRONG_REGION = ("FE", "JP")


def copy_project(source: Path, target: Path) -> Path:
    """The dbt project without what dbt writes (target, logs, packages)."""
    shutil.copytree(
        source,
        target,
        ignore=shutil.ignore_patterns("target", "logs", "dbt_packages", ".user.yml"),
    )
    return target


@contextmanager
def deployed(project: Path) -> Iterator[None]:
    """The faulty model in `project` while the block runs, then the real one."""
    path = project / MODEL
    original = path.read_text(encoding="utf-8")
    # Fail loudly if the model changed shape: the swap would silently do nothing.
    assert original.count(CORRECT) == 1, f"{MODEL}: no single `{CORRECT.strip()}`"
    path.write_text(original.replace(CORRECT, FAULTY), encoding="utf-8")
    try:
        yield
    finally:
        path.write_text(original, encoding="utf-8")
