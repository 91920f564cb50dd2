"""A hand-written scenario folder of Amazon's own objects, served like a world."""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from vendor_recon.simulator import queries
from vendor_recon.simulator.accounts import WorldAccount, make_account
from vendor_recon.simulator.api import ApiAnswer, ApiRequest
from vendor_recon.simulator.contracts import report_problems, swagger_problems
from vendor_recon.simulator.finance import FinanceInvoice
from vendor_recon.simulator.inbox import drop_files
from vendor_recon.simulator.report_rules import (
    FORECAST,
    PERIODIC,
    REPORT_TYPES,
    ReportSpec,
)
from vendor_recon.simulator.report_shapes import (
    LIST_KEYS,
    periodic_document,
    real_time_document,
)
from vendor_recon.simulator.scenario_finance import (
    FinanceFolderError,
    finance_versions,
    visible_invoices,
)
from vendor_recon.simulator.scenario_inbox import (
    DatedFile,
    InboxFolderError,
    dated_files,
    due_files,
)
from vendor_recon.simulator.timestamps import iso_seconds, parse_timestamp, require_utc

log = logging.getLogger(__name__)

SCENARIO_FILE = "scenario.json"
ORDERS_FILE = "orders.json"
STATUSES_FILE = "statuses.json"
REPORTS_FOLDER = "reports"
FINANCE_FOLDER = "finance"
INBOX_FOLDER = "inbox"
Document = dict[str, Any]


class ScenarioError(ValueError):
    """A scenario folder that does not hold what the format promises."""


@dataclass(frozen=True)
class Version:
    """One version of an object, visible from `visible_from` on."""

    key: str
    visible_from: datetime
    document: Document


@dataclass(frozen=True)
class ScenarioWorld:
    """Serves a folder's objects as of the clock, as SimulatorServer needs.

    Per account, the latest version of each order, status and finance invoice
    visible at the clock; reports from documents whose lastUpdatedDate has
    come; the vendor's files from the day folder they are dated by.
    """

    path: Path
    accounts: tuple[WorldAccount, ...]
    default_clock: datetime
    orders: Mapping[str, tuple[Version, ...]]
    statuses: Mapping[str, tuple[Version, ...]]
    reports: Mapping[tuple[str, str], tuple[Document, ...]]
    finance: Mapping[str, tuple[FinanceInvoice, ...]] = field(default_factory=dict)
    inbox: tuple[DatedFile, ...] = ()
    description: str = ""
    settings: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_folder(cls, path: str | Path) -> ScenarioWorld:
        """Load and check a scenario folder (see docs/simulator.md)."""
        root = Path(path)
        manifest = _read(root / SCENARIO_FILE)
        if not isinstance(manifest, dict) or not manifest.get("accounts"):
            raise ScenarioError(f"{root / SCENARIO_FILE}: needs an accounts list")
        accounts = tuple(
            make_account(
                a["account_id"],
                a["region"],
                a["marketplace_id"],
                tuple(a["vendor_codes"]),
                a["currency_code"],
            )
            for a in manifest["accounts"]
        )
        orders, statuses, reports, finance = {}, {}, {}, {}
        for account in accounts:
            folder = root / account.account_id
            orders[account.account_id] = _versions(
                folder / ORDERS_FILE, "Order", _order_key
            )
            statuses[account.account_id] = _versions(
                folder / STATUSES_FILE, "OrderStatus", _status_key
            )
            for report_type, documents in _reports(folder / REPORTS_FOLDER).items():
                reports[(account.account_id, report_type)] = documents
            finance[account.account_id] = _checked(
                finance_versions, folder / FINANCE_FOLDER
            )
        ids = {account.account_id for account in accounts}
        inbox = _checked(dated_files, root / INBOX_FOLDER, ids)
        world = cls(
            path=root,
            accounts=accounts,
            default_clock=require_utc(parse_timestamp(manifest["clock"]), "clock"),
            orders=orders,
            statuses=statuses,
            reports=reports,
            finance=finance,
            inbox=inbox,
            description=str(manifest.get("description", "")),
            settings=dict(manifest.get("settings", {})),
        )
        log.info(
            "scenario %s: %s accounts, %s order versions, %s report documents, "
            "%s finance invoice versions, %s vendor files",
            root.name,
            len(accounts),
            sum(len(v) for v in orders.values()),
            sum(len(v) for v in reports.values()),
            sum(len(v) for v in finance.values()),
            len(inbox),
        )
        return world

    def account(self, account_id: str) -> WorldAccount:
        for account in self.accounts:
            if account.account_id == account_id:
                return account
        raise KeyError(f"no account {account_id!r} in this scenario")

    def orders_as_of(self, account_id: str, as_of: datetime) -> list[Document]:
        """The visible version of each Order at `as_of`."""
        return _visible(self.orders.get(account_id, ()), as_of)

    def statuses_as_of(self, account_id: str, as_of: datetime) -> list[Document]:
        """The visible version of each OrderStatus at `as_of`."""
        return _visible(self.statuses.get(account_id, ()), as_of)

    def respond(self, request: ApiRequest) -> ApiAnswer:
        """The vendor orders operations, with the generated world's rules."""
        return queries.respond(self, request)  # type: ignore[arg-type]

    def report_document(self, spec: ReportSpec) -> Document | None:
        """The scenario's document for a checked request; None: no data."""
        key = (spec.account.account_id, spec.report_type.name)
        published = [
            d
            for d in self.reports.get(key, ())
            if _published(d, spec.as_of) and _same_options(d, spec)
        ]
        if spec.report_type.kind == PERIODIC:
            return _periodic_document(published, spec)
        if spec.report_type.kind == FORECAST:
            return max(published, key=_last_updated, default=None)
        return _real_time_document(published, spec)

    def finance_invoices_as_of(
        self, account_id: str, as_of: datetime
    ) -> list[FinanceInvoice]:
        """The latest version of each finance invoice updated by `as_of`."""
        self.account(account_id)
        return visible_invoices(self.finance.get(account_id, ()), as_of)

    def write_inbox(self, folder: Path, as_of: datetime) -> list[Path]:
        """Drop the vendor files whose day has come at `as_of` under `folder`.

        Files already there are left alone, as for a generated world; one with
        other content is an InboxConflict.
        """
        as_of = require_utc(as_of, "as_of")
        return drop_files(Path(folder), due_files(self.inbox, as_of), as_of)

    def account_file(self, account_id: str, name: str) -> Any | None:
        """Hook for other parts: `<account>/<name>` parsed as JSON, or None.

        Money stays exact: JSON numbers with a fraction load as Decimal.
        """
        path = self.path / self.account(account_id).account_id / name
        return _read(path, exact=True) if path.is_file() else None


def _versions(path: Path, definition: str, key_of: Any) -> tuple[Version, ...]:
    if not path.exists():
        return ()
    documents = _read(path)
    if not isinstance(documents, list):
        raise ScenarioError(f"{path}: expected a JSON array of {definition}")
    versions = []
    for index, document in enumerate(documents):
        problems = swagger_problems("vendorOrders.json", definition, document)
        if problems:
            raise ScenarioError(f"{path}[{index}] is no {definition}: {problems[0]}")
        key, visible_from = key_of(document)
        versions.append(Version(key, visible_from, document))
    return tuple(sorted(versions, key=lambda v: (v.key, v.visible_from)))


def _order_key(order: Document) -> tuple[str, datetime]:
    details = order.get("orderDetails") or {}
    dates = [
        details.get(name)
        for name in (
            "purchaseOrderDate",
            "purchaseOrderChangedDate",
            "purchaseOrderStateChangedDate",
        )
    ]
    moments = [parse_timestamp(text) for text in dates if text]
    if not moments:
        raise ScenarioError(
            f"order {order['purchaseOrderNumber']} has no orderDetails dates"
        )
    return order["purchaseOrderNumber"], max(moments)


def _status_key(status: Document) -> tuple[str, datetime]:
    text = status.get("lastUpdatedDate") or status["purchaseOrderDate"]
    return status["purchaseOrderNumber"], parse_timestamp(text)


def _visible(versions: tuple[Version, ...], as_of: datetime) -> list[Document]:
    latest: dict[str, Version] = {}
    for version in versions:
        if version.visible_from <= as_of:
            latest[version.key] = version
    return [copy.deepcopy(version.document) for version in latest.values()]


def _reports(folder: Path) -> dict[str, tuple[Document, ...]]:
    found: dict[str, tuple[Document, ...]] = {}
    if not folder.is_dir():
        return found
    for type_folder in sorted(p for p in folder.iterdir() if p.is_dir()):
        report_type = REPORT_TYPES.get(type_folder.name)
        if report_type is None:
            raise ScenarioError(f"{type_folder}: not a simulated report type")
        documents = []
        for path in sorted(type_folder.glob("*.json")):
            content = _read(path, exact=True)
            # A file holds one document, or a list of its versions (restatements).
            for document in content if isinstance(content, list) else [content]:
                problems = report_problems(report_type.schema_file, document)
                if problems:
                    raise ScenarioError(f"{path}: {problems[0]}")
                documents.append(document)
        found[report_type.name] = tuple(documents)
    return found


def _published(document: Document, as_of: datetime) -> bool:
    updated = document["reportSpecification"].get("lastUpdatedDate")
    return updated is None or updated <= as_of.date().isoformat()


def _last_updated(document: Document) -> str:
    return document["reportSpecification"].get("lastUpdatedDate", "")


def _same_options(document: Document, spec: ReportSpec) -> bool:
    options = document["reportSpecification"].get("reportOptions", {})
    return all(options.get(name) == value for name, value in spec.options.items())


def _periodic_document(published: list[Document], spec: ReportSpec) -> Document | None:
    first, last = spec.periods[0][0].isoformat(), spec.periods[-1][1].isoformat()
    whole = [d for d in published if _covers(d, first, last)]
    if whole:
        return max(whole, key=_last_updated)
    # Otherwise assemble the request from one document per period.
    parts = []
    for period_first, period_last in spec.periods:
        candidates = [
            d
            for d in published
            if _covers(d, period_first.isoformat(), period_last.isoformat())
        ]
        if candidates:
            parts.append(max(candidates, key=_last_updated))
    if not parts:
        return None
    aggregate_key, asin_key = LIST_KEYS[spec.report_type.name]
    return periodic_document(
        spec,
        max(_last_updated(d) for d in parts),
        [row for d in parts for row in d[aggregate_key]],
        [row for d in parts for row in d[asin_key]],
    )


def _real_time_document(published: list[Document], spec: ReportSpec) -> Document | None:
    hours = {iso_seconds(hour) for hour in spec.hours}
    rows = [
        row
        for document in published
        for row in document["reportData"]
        if iso_seconds(parse_timestamp(row["startTime"])) in hours
    ]
    return real_time_document(spec, rows) if rows else None


def _covers(document: Document, first: str, last: str) -> bool:
    specification = document["reportSpecification"]
    return (specification["dataStartTime"], specification["dataEndTime"]) == (
        first,
        last,
    )


def _checked(load: Any, *args: Any) -> Any:
    """A part loaded by its own module, its error turned into a ScenarioError."""
    try:
        return load(*args)
    except (FinanceFolderError, InboxFolderError) as exc:
        raise ScenarioError(str(exc)) from None


def _read(path: Path, exact: bool = False) -> Any:
    """Parsed JSON; `exact` reads numbers with a fraction as Decimal (reports)."""
    try:
        text = path.read_text(encoding="utf-8")
        return json.loads(text, parse_float=Decimal) if exact else json.loads(text)
    except FileNotFoundError:
        raise ScenarioError(f"{path}: missing") from None
    except ValueError as exc:
        raise ScenarioError(f"{path}: not JSON ({exc})") from None
