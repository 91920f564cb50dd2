"""A generated vendor world: accounts, POs, the vendor's documents and Amazon's
money, seen through a clock."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from vendor_recon.simulator import generator, inbox, queries, reconciliation
from vendor_recon.simulator.accounts import WorldAccount, default_accounts
from vendor_recon.simulator.api import ApiAnswer, ApiRequest
from vendor_recon.simulator.catalog import Product
from vendor_recon.simulator.documents import order_document, status_document
from vendor_recon.simulator.finance import FinanceInvoice, finance_invoices
from vendor_recon.simulator.ground_truth import GROUND_TRUTH_COLUMNS, ground_truth_rows
from vendor_recon.simulator.paperwork import generate_paperwork
from vendor_recon.simulator.settlement import Settlement, settle
from vendor_recon.simulator.timeline import PurchaseOrder
from vendor_recon.simulator.timestamps import require_utc
from vendor_recon.simulator.vendor_documents import Shipment, VendorInvoice

__all__ = ["World", "WorldAccount", "default_accounts", "generate_world"]


def generate_world(
    seed: int,
    start: datetime,
    end: datetime,
    accounts: Sequence[WorldAccount] | None = None,
    orders_per_day: int = 3,
) -> World:
    """POs created in [start, end) for each account; later events may pass `end`."""
    start, end = require_utc(start, "start"), require_utc(end, "end")
    if end <= start:
        raise ValueError(f"world end {end} is not after its start {start}")
    if orders_per_day < 0:
        raise ValueError(f"orders_per_day must be 0 or more, got {orders_per_day}")
    accounts = tuple(default_accounts() if accounts is None else accounts)
    if len({account.account_id for account in accounts}) != len(accounts):
        raise ValueError("account ids must be unique")
    catalogs, purchase_orders, fates = generator.generate(
        seed, start, end, accounts, orders_per_day
    )
    paperwork = generate_paperwork(seed, accounts, catalogs, purchase_orders, fates)
    settlement = settle(seed, accounts, purchase_orders, fates, paperwork.invoices)
    return World(
        seed,
        start,
        end,
        accounts,
        catalogs,
        purchase_orders,
        paperwork.shipments,
        paperwork.invoices,
        settlement,
    )


@dataclass(frozen=True)
class World:
    seed: int
    start: datetime
    end: datetime
    accounts: tuple[WorldAccount, ...]
    catalogs: Mapping[str, tuple[Product, ...]]
    purchase_orders: tuple[PurchaseOrder, ...]
    # Every version of every document, future ones included: read them through
    # the `*_as_of` methods, which hide what the clock has not reached.
    shipments: tuple[Shipment, ...]
    invoices: tuple[VendorInvoice, ...]
    settlement: Settlement

    @property
    def default_clock(self) -> datetime:
        """Where a server's clock starts: the moment the world stops creating POs."""
        return self.end

    def account(self, account_id: str) -> WorldAccount:
        for account in self.accounts:
            if account.account_id == account_id:
                return account
        raise KeyError(f"no account {account_id!r} in this world")

    def purchase_orders_of(
        self, account_id: str, as_of: datetime
    ) -> list[PurchaseOrder]:
        """The account's POs created at or before `as_of`, oldest first."""
        self.account(account_id)
        as_of = require_utc(as_of, "as_of")
        return [
            po
            for po in self.purchase_orders
            if po.account_id == account_id and po.is_visible(as_of)
        ]

    def orders_as_of(self, account_id: str, as_of: datetime) -> list[dict[str, Any]]:
        """Amazon `Order` documents as getPurchaseOrders would show them at `as_of`."""
        as_of = require_utc(as_of, "as_of")
        return [
            order_document(po, as_of)
            for po in self.purchase_orders_of(account_id, as_of)
        ]

    def statuses_as_of(self, account_id: str, as_of: datetime) -> list[dict[str, Any]]:
        """Amazon `OrderStatus` documents as of `as_of`."""
        as_of = require_utc(as_of, "as_of")
        return [
            status_document(po, as_of)
            for po in self.purchase_orders_of(account_id, as_of)
        ]

    def finance_invoices_as_of(
        self, account_id: str, as_of: datetime
    ) -> list[FinanceInvoice]:
        """Amazon's invoice view (headers and all line items) at `as_of`."""
        as_of = require_utc(as_of, "as_of")
        shipment_ids = {
            (item.purchase_order_number, item.vendor_sku): s.shipment_identifier
            for s in self.shipments
            if s.account_id == account_id and s.versions[0].confirmed_at <= as_of
            for item in s.versions[0].items
        }
        return finance_invoices(
            self.settlement, self.account(account_id), shipment_ids, as_of
        )

    def ground_truth_po_lines(self, as_of: datetime) -> list[dict[str, Any]]:
        """Every visible PO line of every account, in eaches, as of the clock:
        the columns of fct_po_line_reconciliation, by the rules doc."""
        as_of = require_utc(as_of, "as_of")
        rows = ground_truth_rows(self.accounts, self.purchase_orders, as_of)
        rows, _ = reconciliation.add_money_columns(self, as_of, rows)
        return [
            {column: row[column] for column in GROUND_TRUTH_COLUMNS} for row in rows
        ]

    def ground_truth_exceptions(self, as_of: datetime) -> list[dict[str, Any]]:
        """Every exception of fct_reconciliation_exceptions at `as_of`."""
        as_of = require_utc(as_of, "as_of")
        rows = ground_truth_rows(self.accounts, self.purchase_orders, as_of)
        return reconciliation.add_money_columns(self, as_of, rows)[1]

    def ground_truth_remittance_lines(self, as_of: datetime) -> list[dict[str, Any]]:
        """Every remittance line of the payments made by `as_of`, with its account."""
        return reconciliation.remittance_rows(self, require_utc(as_of, "as_of"))

    def write_inbox(self, folder: Path, as_of: datetime) -> list[Path]:
        """Write the vendor's files dated at or before `as_of` under `folder`;
        files already there are left alone. Every such file's path, in order."""
        return inbox.write_inbox(self, Path(folder), require_utc(as_of, "as_of"))

    def respond(self, request: ApiRequest) -> ApiAnswer:
        """Answer one SP-API operation the way Amazon would at `request.as_of`."""
        return queries.respond(self, request)

    def to_json(self) -> str:
        """The whole world, secrets left out, as canonical JSON (for comparisons)."""
        document = {
            "seed": self.seed,
            "start": self.start,
            "end": self.end,
            "accounts": [
                {
                    "account_id": a.account_id,
                    "region": a.region,
                    "marketplace_id": a.marketplace_id,
                    "vendor_codes": a.vendor_codes,
                    "currency_code": a.currency_code,
                }
                for a in self.accounts
            ],
            "catalogs": {
                key: [dataclasses.asdict(p) for p in products]
                for key, products in self.catalogs.items()
            },
            "purchase_orders": [dataclasses.asdict(po) for po in self.purchase_orders],
            "shipments": [dataclasses.asdict(s) for s in self.shipments],
            "invoices": [dataclasses.asdict(i) for i in self.invoices],
            "payments": [dataclasses.asdict(p) for p in self.settlement.payments],
            "deductions": [dataclasses.asdict(d) for d in self.settlement.deductions],
        }
        return json.dumps(document, default=json_default, sort_keys=True)


def json_default(value: Any) -> Any:
    """JSON for the types a world holds: exact decimals and ISO dates as strings."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")
