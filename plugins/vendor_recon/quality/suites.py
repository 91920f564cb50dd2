"""Suites as code: a table, its derived columns and expectations tagged by severity."""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation

CRITICAL = "critical"
WARNING = "warning"
SEVERITIES = (CRITICAL, WARNING)
SEVERITY_KEY = "severity"

# Suites live at the repository root beside dags/ and plugins/, so a deployment
# that ships plugins/ ships them too; the variable points elsewhere in tests.
EXPECTATIONS_DIR_ENV = "VENDOR_RECON_EXPECTATIONS_DIR"
_DEFAULT_EXPECTATIONS_DIR = Path(__file__).resolve().parents[3] / "expectations"

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


DUCKDB, POSTGRES = "duckdb", "postgres"


@dataclass(frozen=True)
class DialectSql:
    """One SQL expression spelled per engine, for what has no portable form."""

    duckdb: str
    postgres: str

    def for_dialect(self, dialect: str) -> str:
        return self.duckdb if dialect == DUCKDB else self.postgres


class SuiteDefinitionError(ValueError):
    """A suite file that cannot be used, naming the file or table and the problem."""


@dataclass(frozen=True)
class Suite:
    """The expectations for one warehouse table, each tagged critical or warning.

    ``derived_columns`` maps a new column name to a SQL expression over the
    table's columns; they are computed when the table is read, so expectations
    can compare sums of columns with the pandas engine.

    ``query`` replaces the plain read of ``table`` with a select (a
    query-backed dataframe), for checks over aggregates such as daily row
    counts; ``table`` still names what is checked and must exist. Both the query
    and the derived columns may use ``$as_of``, the moment the run checks as of.
    The SQL must run on DuckDB and on PostgreSQL; what has no common spelling
    is a ``DialectSql`` holding both.
    An ``optional`` suite whose table does not exist yet is skipped, not failed:
    it is for tables another part of the pipeline is still adding.
    """

    table: str
    expectations: Sequence[Expectation]
    derived_columns: dict[str, str | DialectSql] = field(default_factory=dict)
    name: str = ""
    query: str | DialectSql = ""
    optional: bool = False

    def __post_init__(self) -> None:
        parts = self.table.split(".")
        if len(parts) != 2 or not all(_IDENTIFIER.match(part) for part in parts):
            raise SuiteDefinitionError(
                f"suite table {self.table!r} must be written as schema.table"
            )
        if not self.name:
            object.__setattr__(self, "name", parts[1])
        if self.query and self.derived_columns:
            raise SuiteDefinitionError(
                f"suite {self.name}: compute derived columns inside its query"
            )
        for column in self.derived_columns:
            if not _IDENTIFIER.match(column):
                raise SuiteDefinitionError(
                    f"suite {self.name}: derived column {column!r} is not a plain "
                    "identifier"
                )
        if not self.expectations:
            raise SuiteDefinitionError(f"suite {self.name}: has no expectations")
        for expectation in self.expectations:
            severity = (expectation.meta or {}).get(SEVERITY_KEY)
            if severity not in SEVERITIES:
                raise SuiteDefinitionError(
                    f"suite {self.name}: {expectation.expectation_type} has severity "
                    f"{severity!r}; wrap it in critical() or warning()"
                )

    @property
    def schema_name(self) -> str:
        return self.table.split(".")[0]

    @property
    def table_name(self) -> str:
        return self.table.split(".")[1]


def critical(expectation: Expectation) -> Expectation:
    """Tag an expectation whose failure must stop the pipeline."""
    return _tag(expectation, CRITICAL)


def warning(expectation: Expectation) -> Expectation:
    """Tag an expectation whose failure is reported but lets the pipeline go on."""
    return _tag(expectation, WARNING)


def _tag(expectation: Expectation, severity: str) -> Expectation:
    # The severity rides in meta so that it reaches the validation result and
    # the Data Docs page unchanged, with no side table to keep in step.
    expectation.meta = {**(expectation.meta or {}), SEVERITY_KEY: severity}
    return expectation


def expectations_dir(override: str | Path | None = None) -> Path:
    """The folder holding one subfolder of suite files per layer."""
    if override is not None:
        return Path(override)
    return Path(os.environ.get(EXPECTATIONS_DIR_ENV) or _DEFAULT_EXPECTATIONS_DIR)


def load_suites(layer: str, directory: str | Path | None = None) -> list[Suite]:
    """Import every ``<layer>/*.py`` suite file and return their ``SUITE`` objects."""
    layer_dir = expectations_dir(directory) / layer
    if not layer_dir.is_dir():
        raise SuiteDefinitionError(f"{layer_dir}: no suites folder for layer {layer!r}")

    suites = []
    for path in sorted(layer_dir.glob("*.py")):
        if path.name.startswith("_"):
            continue
        suite = getattr(_import_file(path, layer), "SUITE", None)
        if not isinstance(suite, Suite):
            raise SuiteDefinitionError(f"{path}: must define SUITE = Suite(...)")
        suites.append(suite)
    if not suites:
        raise SuiteDefinitionError(f"{layer_dir}: no suite files for layer {layer!r}")

    names = [suite.name for suite in suites]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise SuiteDefinitionError(
            f"{layer_dir}: suite names used twice: {', '.join(duplicates)}"
        )
    return suites


def _import_file(path: Path, layer: str) -> Any:
    # Suite files are loaded by path, not as a package, so expectations/ needs
    # no __init__.py and is never importable by accident from DAG code.
    spec = importlib.util.spec_from_file_location(
        f"vendor_recon_expectations.{layer}.{path.stem}", path
    )
    if spec is None or spec.loader is None:
        raise SuiteDefinitionError(f"{path}: cannot be imported")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
