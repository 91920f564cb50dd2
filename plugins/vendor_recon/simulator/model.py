"""Amazon's vendorOrders model, loaded once from the package: operations and schemas."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

MODEL_FILE = "vendorOrders.json"

# The read operations the simulator serves; submitAcknowledgement comes later.
SERVED_OPERATIONS = ("getPurchaseOrders", "getPurchaseOrder", "getPurchaseOrdersStatus")


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str
    parameters: tuple[dict[str, Any], ...]
    responses: dict[str, dict[str, Any]]

    @property
    def parameter_names(self) -> frozenset[str]:
        return frozenset(parameter["name"] for parameter in self.parameters)


@cache
def load_model() -> dict[str, Any]:
    """The Swagger 2.0 document, parsed (callers must not mutate it)."""
    model_file = resources.files(__package__) / "models" / MODEL_FILE
    return json.loads(model_file.read_text(encoding="utf-8"))


@cache
def operations() -> dict[str, Operation]:
    """Every operation of the model by operationId."""
    found = {}
    for path, methods in load_model()["paths"].items():
        for method, spec in methods.items():
            if not isinstance(spec, dict) or "operationId" not in spec:
                continue
            found[spec["operationId"]] = Operation(
                operation_id=spec["operationId"],
                method=method.upper(),
                path=path,
                parameters=tuple(spec.get("parameters", ())),
                responses=spec.get("responses", {}),
            )
    return found


def operation(operation_id: str) -> Operation:
    try:
        return operations()[operation_id]
    except KeyError:
        raise KeyError(f"the model has no operation {operation_id!r}") from None
