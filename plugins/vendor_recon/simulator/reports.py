"""Vendor report documents of a generated world, consistent with its POs."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from vendor_recon.simulator.catalog import Product, quantize_money
from vendor_recon.simulator.demand import Day, day_numbers, initial_stock, profile
from vendor_recon.simulator.report_rules import (
    PUBLISHING_DELAY,
    ReportSpec,
    period_close,
)
from vendor_recon.simulator.report_shapes import periodic_document, real_time_document
from vendor_recon.simulator.timeline import PurchaseOrder
from vendor_recon.simulator.timestamps import iso_seconds

if TYPE_CHECKING:
    from vendor_recon.simulator.world import World

# A period is published after the delay, then restated twice as late returns,
# receipts and filtered traffic come in: each revision has new numbers.
REVISIONS = (PUBLISHING_DELAY, timedelta(days=7), timedelta(days=30))
FORECAST_WEEKS = 13
FORECAST_QUANTILES = {"p70": "1.10", "p80": "1.22", "p90": "1.40"}
RATE = Decimal("0.0001")
Document = dict[str, Any]


def generated_report(world: World, spec: ReportSpec) -> Document | None:
    """The document Amazon would publish for `spec` as of `spec.as_of`, or None
    when there is no data (the report is then CANCELLED)."""
    ledger = Ledger.of(world, spec.account.account_id)
    builder = BUILDERS[spec.report_type.name]
    return builder(ledger, spec)


def revision_cutoff(last_day: date, as_of: datetime) -> tuple[int, datetime]:
    """Which revision of a period is out at `as_of` and the instant it was cut."""
    close = period_close(last_day)
    visible = [close + lag for lag in REVISIONS if close + lag <= as_of]
    if not visible:
        raise ValueError(f"the period ending {last_day} is not published yet")
    return len(visible) - 1, visible[-1]


@dataclass
class Ledger:
    """One account's products, receipts and POs, ready for reporting."""

    seed: int
    account_id: str
    currency_code: str
    world_start: date
    products: tuple[Product, ...]
    purchase_orders: tuple[PurchaseOrder, ...]

    @classmethod
    def of(cls, world: World, account_id: str) -> Ledger:
        account = world.account(account_id)
        return cls(
            seed=world.seed,
            account_id=account_id,
            currency_code=account.currency_code,
            world_start=world.start.date(),
            products=tuple(world.catalogs[account_id]),
            purchase_orders=tuple(
                po for po in world.purchase_orders if po.account_id == account_id
            ),
        )

    def day(self, product: Product, day: date) -> Day | None:
        """Customer demand on a day; None before the world begins."""
        if day < self.world_start:
            return None
        return day_numbers(self.seed, self.account_id, product.asin, day)

    def days(self, product: Product, first: date, last: date) -> list[tuple[date, Day]]:
        found = []
        day = max(first, self.world_start)
        while day <= last:
            numbers = self.day(product, day)
            if numbers is not None:
                found.append((day, numbers))
            day += timedelta(days=1)
        return found

    def lines(self, asin: str) -> Iterable[tuple[PurchaseOrder, Any]]:
        for po in self.purchase_orders:
            for line in po.lines:
                if line.asin == asin:
                    yield po, line

    def on_hand(self, product: Product, moment: datetime) -> int:
        """Sellable units at `moment`: stock, plus receipts, less shipments."""
        units = initial_stock(self.seed, self.account_id, product.asin)
        for _, line in self.lines(product.asin):
            units += line.received_eaches(moment - timedelta(microseconds=1))
        today = moment.date()
        for _, numbers in self.days(product, self.world_start, today - timedelta(1)):
            units -= numbers.shipped
        numbers = self.day(product, today)
        if numbers is not None:
            # Part of today is over: what sold in its past hours has shipped.
            units -= min(numbers.shipped, sum(numbers.hourly_ordered[: moment.hour]))
        return units

    def money(self, amount: Decimal) -> dict[str, Any]:
        return {
            "amount": quantize_money(amount, self.currency_code),
            "currencyCode": self.currency_code,
        }


@dataclass(frozen=True)
class Period:
    """One period of a periodic report, as the revision out at the clock saw it."""

    first: date
    last: date
    revision: int
    cutoff: datetime

    def row(self, fields: Document, asin: str | None = None) -> Document:
        """A report row of the period: its dates, the ASIN if any, the fields."""
        row: Document = {
            "startDate": self.first.isoformat(),
            "endDate": self.last.isoformat(),
        }
        if asin is not None:
            row["asin"] = asin
        return {**row, **fields}


RowsBuilder = Callable[[Ledger, ReportSpec, Period], tuple[Document, list[Document]]]


def _periodic(ledger: Ledger, spec: ReportSpec, rows: RowsBuilder) -> Document | None:
    aggregate: list[Document] = []
    by_asin: list[Document] = []
    updated: list[datetime] = []
    for first, last in spec.periods:
        if last < ledger.world_start:
            continue
        revision, cutoff = revision_cutoff(last, spec.as_of)
        updated.append(cutoff)
        total, per_asin = rows(ledger, spec, Period(first, last, revision, cutoff))
        aggregate.append(total)
        by_asin.extend(per_asin)
    if not updated:
        return None
    last_updated = max(updated).date().isoformat()
    return periodic_document(spec, last_updated, aggregate, by_asin)


class Summable:
    """A dataclass of counters that adds another of its kind field by field."""

    def add(self, other: Summable) -> None:
        for name in self.__dataclass_fields__:  # type: ignore[attr-defined]
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _aggregated(
    period: Period,
    per_asin: dict[str, Summable],
    total: Summable,
    fields: Callable[[Any], Document],
) -> tuple[Document, list[Document]]:
    """The aggregate row (the sum of every ASIN's counters) and the ASIN rows."""
    for sums in per_asin.values():
        total.add(sums)
    rows = [period.row(fields(sums), asin) for asin, sums in per_asin.items()]
    return period.row(fields(total)), rows


@dataclass
class SalesTotals(Summable):
    ordered: int = 0
    shipped: int = 0
    returns: int = 0
    ordered_revenue: Decimal = Decimal(0)
    shipped_revenue: Decimal = Decimal(0)
    shipped_cogs: Decimal = Decimal(0)


def _sales(ledger: Ledger, spec: ReportSpec) -> Document | None:
    if spec.options["sellingProgram"] != "RETAIL":
        return None  # this vendor sells neither to Business nor through Fresh
    return _periodic(ledger, spec, _sales_rows)


def _sales_rows(
    ledger: Ledger, spec: ReportSpec, period: Period
) -> tuple[Document, list[Document]]:
    per_asin: dict[str, Summable] = {}
    for product in ledger.products:
        sums = SalesTotals()
        for day, numbers in ledger.days(product, period.first, period.last):
            returns = numbers.returns_known(day, period.cutoff.date())
            sums.ordered += numbers.ordered
            sums.shipped += numbers.shipped
            sums.returns += returns
            # Revenue and COGS are net of the returns known so far.
            sums.ordered_revenue += (numbers.ordered - returns) * product.list_price
            sums.shipped_revenue += (numbers.shipped - returns) * product.list_price
            sums.shipped_cogs += (numbers.shipped - returns) * product.unit_cost
        per_asin[product.asin] = sums
    return _aggregated(
        period, per_asin, SalesTotals(), lambda s: _sales_fields(ledger, spec, s)
    )


def _sales_fields(ledger: Ledger, spec: ReportSpec, sums: SalesTotals) -> Document:
    fields: Document = {"customerReturns": sums.returns}
    if spec.options["distributorView"] == "MANUFACTURING":
        fields["orderedRevenue"] = ledger.money(sums.ordered_revenue)
        fields["orderedUnits"] = sums.ordered
    fields["shippedCogs"] = ledger.money(sums.shipped_cogs)
    fields["shippedRevenue"] = ledger.money(sums.shipped_revenue)
    fields["shippedUnits"] = sums.shipped
    return fields


@dataclass
class InventoryTotals(Summable):
    received_units: int = 0
    received_cost: Decimal = Decimal(0)
    open_po_units: int = 0
    asked_units: int = 0
    confirmed_units: int = 0
    fill_received_units: int = 0
    fill_confirmed_units: int = 0
    lead_time_unit_days: Decimal = Decimal(0)
    shipped_units: int = 0
    opening_units: int = 0
    unfilled_units: int = 0
    on_hand_units: int = 0
    on_hand_cost: Decimal = Decimal(0)
    unsellable_units: int = 0
    unsellable_cost: Decimal = Decimal(0)


def _inventory(ledger: Ledger, spec: ReportSpec) -> Document | None:
    if spec.options["sellingProgram"] != "RETAIL":
        return None
    return _periodic(ledger, spec, _inventory_rows)


def _inventory_rows(
    ledger: Ledger, spec: ReportSpec, period: Period
) -> tuple[Document, list[Document]]:
    opens = period_close(period.first - timedelta(days=1))
    closes = period_close(period.last)
    per_asin: dict[str, Summable] = {
        product.asin: _inventory_of(ledger, product, opens, closes, period.cutoff)
        for product in ledger.products
    }
    return _aggregated(
        period, per_asin, InventoryTotals(), lambda s: _inventory_fields(ledger, s)
    )


def _inventory_of(
    ledger: Ledger,
    product: Product,
    opens: datetime,
    closes: datetime,
    cutoff: datetime,
) -> InventoryTotals:
    sums = InventoryTotals()
    for po, line in ledger.lines(product.asin):
        for receipt in line.receipts:
            if opens <= receipt.at < closes:
                sums.received_units += receipt.eaches
                sums.received_cost += receipt.eaches * line.net_cost
                days = Decimal((receipt.at - po.created_at).total_seconds()) / 86400
                sums.lead_time_unit_days += receipt.eaches * days
        if po.is_acknowledged(closes) and not po.is_closed(closes):
            open_units = line.expected_eaches(closes) - line.received_eaches(closes)
            sums.open_po_units += max(open_units, 0)
        # Confirmation and fill rates follow the POs Amazon placed in the period,
        # as known at the cutoff: later receipts restate the fill rate.
        acknowledgement = line.acknowledgement
        if opens <= po.created_at < closes and po.is_acknowledged(cutoff):
            assert acknowledgement is not None
            sums.asked_units += line.ordered_amount * line.unit_size
            sums.confirmed_units += acknowledgement.accepted * line.unit_size
            if acknowledgement.accepted:
                sums.fill_confirmed_units += acknowledgement.accepted * line.unit_size
                sums.fill_received_units += line.received_eaches(cutoff)

    days = ledger.days(product, opens.date(), closes.date() - timedelta(days=1))
    sums.shipped_units = sum(numbers.shipped for _, numbers in days)
    sums.unfilled_units = sum(numbers.unfilled for _, numbers in days)
    sums.opening_units = ledger.on_hand(product, opens)
    sums.on_hand_units = ledger.on_hand(product, closes)
    sums.on_hand_cost = sums.on_hand_units * product.unit_cost
    shape = profile(ledger.seed, ledger.account_id, product.asin)
    unsellable = max(sums.on_hand_units, 0) * shape.unsellable_share
    sums.unsellable_units = int(unsellable.to_integral_value(ROUND_HALF_UP))
    sums.unsellable_cost = sums.unsellable_units * product.unit_cost
    return sums


def _inventory_fields(ledger: Ledger, sums: InventoryTotals) -> Document:
    fields: Document = {}
    if sums.fill_confirmed_units:
        fields["receiveFillRate"] = _rate(
            sums.fill_received_units, sums.fill_confirmed_units
        )
    if sums.asked_units:
        fields["vendorConfirmationRate"] = _rate(sums.confirmed_units, sums.asked_units)
    fields["netReceivedInventoryCost"] = ledger.money(sums.received_cost)
    fields["netReceivedInventoryUnits"] = sums.received_units
    fields["openPurchaseOrderUnits"] = sums.open_po_units
    if sums.received_units:
        fields["averageVendorLeadTimeDays"] = (
            sums.lead_time_unit_days / sums.received_units
        ).quantize(Decimal("0.1"), ROUND_HALF_UP)
    available = sums.opening_units + sums.received_units
    if available > 0:
        fields["sellThroughRate"] = _rate(sums.shipped_units, available)
    fields["unfilledCustomerOrderedUnits"] = sums.unfilled_units
    fields["sellableOnHandInventoryCost"] = ledger.money(sums.on_hand_cost)
    fields["sellableOnHandInventoryUnits"] = sums.on_hand_units
    fields["unsellableOnHandInventoryCost"] = ledger.money(sums.unsellable_cost)
    fields["unsellableOnHandInventoryUnits"] = sums.unsellable_units
    return fields


def _margin(ledger: Ledger, spec: ReportSpec) -> Document | None:
    return _periodic(ledger, spec, _margin_rows)


def _margin_rows(
    ledger: Ledger, spec: ReportSpec, period: Period
) -> tuple[Document, list[Document]]:
    rows = []
    weighted, revenue = Decimal(0), Decimal(0)
    for product in ledger.products:
        shape = profile(ledger.seed, ledger.account_id, product.asin)
        margin = (product.list_price - product.unit_cost) / product.list_price
        margin = (margin - shape.coop_share).quantize(RATE, ROUND_HALF_UP)
        rows.append(period.row({"netPureProductMargin": margin}, product.asin))
        for day, numbers in ledger.days(product, period.first, period.last):
            net = numbers.shipped - numbers.returns_known(day, period.cutoff.date())
            weighted += net * product.list_price * margin
            revenue += net * product.list_price
    if revenue:
        overall = (weighted / revenue).quantize(RATE, ROUND_HALF_UP)
    else:
        margins = [row["netPureProductMargin"] for row in rows]
        overall = (sum(margins) / len(margins)).quantize(RATE, ROUND_HALF_UP)
    return period.row({"netPureProductMargin": overall}, None), rows


def _traffic(ledger: Ledger, spec: ReportSpec) -> Document | None:
    return _periodic(ledger, spec, _traffic_rows)


def _traffic_rows(
    ledger: Ledger, spec: ReportSpec, period: Period
) -> tuple[Document, list[Document]]:
    rows = []
    for product in ledger.products:
        days = ledger.days(product, period.first, period.last)
        views = sum(numbers.glance_views for _, numbers in days)
        # Each restatement filters out another 1% of views as robot traffic.
        views -= views * period.revision // 100
        rows.append(period.row({"glanceViews": views}, product.asin))
    total = sum(row["glanceViews"] for row in rows)
    return period.row({"glanceViews": total}), rows


def _forecast(ledger: Ledger, spec: ReportSpec) -> Document | None:
    if spec.options["sellingProgram"] != "RETAIL":
        return None
    today = spec.as_of.date()
    # Forecasts are generated weekly, on Sundays.
    generated = today - timedelta(days=(today.weekday() + 1) % 7)
    rows = []
    for product in ledger.products:
        shape = profile(ledger.seed, ledger.account_id, product.asin)
        rng = random.Random(
            f"{ledger.seed}:{ledger.account_id}:{product.asin}:{generated}:forecast"
        )
        for week in range(FORECAST_WEEKS):
            first = generated + timedelta(weeks=week)
            mean = Decimal(str(round(shape.base * 7.4 * rng.uniform(0.85, 1.15), 1)))
            row = {
                "forecastGenerationDate": generated.isoformat(),
                "asin": product.asin,
                "startDate": first.isoformat(),
                "endDate": (first + timedelta(days=6)).isoformat(),
                "meanForecastUnits": mean,
            }
            for name, factor in FORECAST_QUANTILES.items():
                value = (mean * Decimal(factor)).quantize(Decimal("0.1"), ROUND_HALF_UP)
                row[f"{name}ForecastUnits"] = value
            rows.append(row)
    return {
        "reportSpecification": {
            "reportType": spec.report_type.name,
            "reportOptions": dict(spec.options),
            "lastUpdatedDate": generated.isoformat(),
            "marketplaceIds": list(spec.marketplace_ids),
        },
        "forecastByAsin": rows,
    }


def _real_time(
    ledger: Ledger,
    spec: ReportSpec,
    row: Callable[[Ledger, Product, datetime, Day], Document],
) -> Document | None:
    rows = []
    for hour in spec.hours:
        for product in ledger.products:
            numbers = ledger.day(product, hour.date())
            if numbers is None:
                continue
            rows.append(
                {
                    "startTime": iso_seconds(hour),
                    "endTime": iso_seconds(hour + timedelta(hours=1)),
                    "asin": product.asin,
                    **row(ledger, product, hour, numbers),
                }
            )
    return real_time_document(spec, rows) if rows else None


def _real_time_sales(ledger: Ledger, spec: ReportSpec) -> Document | None:
    def row(ledger: Ledger, product: Product, hour: datetime, day: Day) -> Document:
        units = day.hourly_ordered[hour.hour]
        revenue = quantize_money(units * product.list_price, ledger.currency_code)
        return {"orderedUnits": units, "orderedRevenue": revenue}

    return _real_time(ledger, spec, row)


def _real_time_traffic(ledger: Ledger, spec: ReportSpec) -> Document | None:
    def row(ledger: Ledger, product: Product, hour: datetime, day: Day) -> Document:
        return {"glanceViews": day.hourly_views[hour.hour]}

    return _real_time(ledger, spec, row)


def _real_time_inventory(ledger: Ledger, spec: ReportSpec) -> Document | None:
    def row(ledger: Ledger, product: Product, hour: datetime, day: Day) -> Document:
        units = ledger.on_hand(product, hour + timedelta(hours=1))
        return {"highlyAvailableInventory": max(units, 0)}

    return _real_time(ledger, spec, row)


BUILDERS: dict[str, Callable[[Ledger, ReportSpec], Document | None]] = {
    "GET_VENDOR_SALES_REPORT": _sales,
    "GET_VENDOR_INVENTORY_REPORT": _inventory,
    "GET_VENDOR_NET_PURE_PRODUCT_MARGIN_REPORT": _margin,
    "GET_VENDOR_TRAFFIC_REPORT": _traffic,
    "GET_VENDOR_FORECASTING_REPORT": _forecast,
    "GET_VENDOR_REAL_TIME_INVENTORY_REPORT": _real_time_inventory,
    "GET_VENDOR_REAL_TIME_SALES_REPORT": _real_time_sales,
    "GET_VENDOR_REAL_TIME_TRAFFIC_REPORT": _real_time_traffic,
}


def _rate(numerator: int, denominator: int) -> Decimal:
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATE, ROUND_HALF_UP)
