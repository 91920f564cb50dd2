"""Lint-time stand-ins for dbt's jinja globals that sqlfluff's jinja templater lacks.

sqlfluff (templater = jinja) exposes this package's names to the models it lints:
`dbt.<macro>(...)` and `adapter.dispatch(name, ...)(...)` render as a plain SQL
call `<macro>(...)`, which is enough to parse and lint the surrounding SQL. dbt
itself never imports this package.
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


dbt = _SqlCallRenderer()
adapter = _AdapterStandIn()
