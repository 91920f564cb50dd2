"""Lint-time stand-ins for dbt's jinja globals that sqlfluff's jinja templater lacks.

sqlfluff (templater = jinja) exposes this package's names to the models it lints:
`dbt.<macro>(...)` and `adapter.dispatch(name, ...)(...)` render as a plain SQL
call `<macro>(...)`, which is enough to parse and lint the surrounding SQL;
`var(name, default)` gives the default (the project's vars are dicts, numbers and
null, which sqlfluff's own string stand-in cannot be); `adapter.get_relation`
finds nothing; `api.Column.translate_type(t)` is `t`. dbt itself never imports
this package.
"""

from __future__ import annotations

from typing import Any


class _SqlCallRenderer:
    """Attribute access names a macro; calling it renders `name(arg, ...)`."""

    unsafe_callable = False
    alters_data = False

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)

        def render(*args: Any, **kwargs: Any) -> str:
            arguments = [str(arg) for arg in args] + [str(v) for v in kwargs.values()]
            return f"{name}({', '.join(arguments)})"

        return render


class _AdapterStandIn:
    unsafe_callable = False
    alters_data = False

    def dispatch(self, macro_name: str, macro_namespace: str | None = None) -> Any:
        return getattr(_SqlCallRenderer(), macro_name)

    def get_relation(self, *args: Any, **kwargs: Any) -> None:
        return None


class _ColumnStandIn:
    unsafe_callable = False
    alters_data = False

    @staticmethod
    def translate_type(dtype: str) -> str:
        return dtype


class _ApiStandIn:
    unsafe_callable = False
    alters_data = False
    Column = _ColumnStandIn()


def var(name: str, default: Any = None) -> Any:
    """The default a model gives, so that dict and number vars work at lint time."""
    return default


dbt = _SqlCallRenderer()
adapter = _AdapterStandIn()
api = _ApiStandIn()
