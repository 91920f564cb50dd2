"""The generated world: coverage of the cases, determinism, Amazon's formats."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from vendor_recon.simulator.accounts import default_accounts
from vendor_recon.simulator.timeline import PurchaseOrderLine
from vendor_recon.simulator.world import World, generate_world

START = datetime(2025, 3, 3, tzinfo=UTC)
FOREVER = datetime.max.replace(tzinfo=UTC)


def features(world: World) -> set[str]:
    """The cases a consumer must handle that the world holds, over its whole life."""
    found = set()
    for po in world.purchase_orders:
        for line in po.lines:
            found |= line_features(line)
    return found


def line_features(line: PurchaseOrderLine) -> set[str]:
    found = {"cases_line" if line.unit_of_measure == "Cases" else "eaches_line"}
    if line.acknowledgement is not None and line.acknowledgement.accepted == 0:
        found.add("rejected_line")
    if line.cancellations:
        found.add("cancelled_line")
    if len(line.receipts) >= 2:
        found.add("split_receipt")
    received = line.received_eaches(FOREVER)
    if 0 < received < line.expected_eaches(FOREVER):
        found.add("partial_receipt")
    return found


ALL_FEATURES = {
    "cases_line",
    "eaches_line",
    "rejected_line",
    "cancelled_line",
    "split_receipt",
    "partial_receipt",
}


@pytest.mark.parametrize("seed", [0, 1, 7, 42, 2025])
def test_a_small_world_holds_every_case(seed):
    world = generate_world(seed, START, START + timedelta(days=3))
    assert features(world) == ALL_FEATURES


def test_a_tiny_world_is_nudged_to_hold_every_case():
    # One account, two days, two POs a day: chance alone misses cases here.
    checked = 0
    for seed in range(20):
        world = generate_world(
            seed,
            START,
            START + timedelta(days=2),
            accounts=[default_accounts()[1]],
            orders_per_day=2,
        )
        acknowledged_lines = sum(
            len(po.lines) for po in world.purchase_orders if po.acknowledged_at
        )
        if acknowledged_lines >= 6:
            assert features(world) == ALL_FEATURES, seed
            checked += 1
    assert checked >= 12


def test_same_seed_same_world_other_seed_other_world():
    end = START + timedelta(days=3)
    first = generate_world(5, START, end).to_json()
    assert generate_world(5, START, end).to_json() == first
    assert generate_world(6, START, end).to_json() != first


def test_default_accounts():
    accounts = {a.account_id: a for a in default_accounts()}
    assert set(accounts) >= {"acme-na", "acme-eu", "acme-fe"}
    na, eu, fe = accounts["acme-na"], accounts["acme-eu"], accounts["acme-fe"]
    assert (na.region, na.marketplace_id, na.currency_code) == (
        "NA",
        "ATVPDKIKX0DER",
        "USD",
    )
    assert na.vendor_codes == ("ACME1", "ACME2")
    assert (eu.region, eu.marketplace_id, eu.vendor_codes, eu.currency_code) == (
        "EU",
        "A1PA6795UKMFR9",
        ("ACMEDE",),
        "EUR",
    )
    assert (fe.region, fe.marketplace_id, fe.vendor_codes, fe.currency_code) == (
        "FE",
        "A1VC38T7YXB528",
        ("ACMEJP",),
        "JPY",
    )
    assert na.refresh_token.startswith("Atzr|sim-acme-na-")
    # Fake secrets are stable, so configs and tests can name them.
    assert default_accounts()[0].refresh_token == na.refresh_token
    assert na.lwa_client_secret not in repr(na)


def test_both_vendor_codes_of_acme_na_order(fortnight_world):
    codes = {
        po.vendor_code
        for po in fortnight_world.purchase_orders
        if po.account_id == "acme-na"
    }
    assert codes == {"ACME1", "ACME2"}


def test_purchase_orders_are_created_inside_the_world_span(fortnight_world):
    world = fortnight_world
    numbers = [po.purchase_order_number for po in world.purchase_orders]
    assert len(numbers) == len(set(numbers))
    for po in world.purchase_orders:
        assert world.start <= po.created_at < world.end
        assert re.fullmatch(r"[0-9A-Z]{8}", po.purchase_order_number)
        assert 1 <= len(po.lines) <= 5
        assert [line.item_sequence_number for line in po.lines] == [
            str(n) for n in range(1, len(po.lines) + 1)
        ]


def test_orders_per_day_sets_the_average(fortnight_world):
    per_account_day = len(fortnight_world.purchase_orders) / (3 * 14)
    assert 3 <= per_account_day <= 5


def test_products_and_money_follow_the_currency(fortnight_world):
    for account_id, products in fortnight_world.catalogs.items():
        currency = fortnight_world.account(account_id).currency_code
        for product in products:
            assert re.fullmatch(r"B0[0-9A-Z]{8}", product.asin)
            assert re.fullmatch(r"\d{13}", product.vendor_sku)
            assert product.case_size in (6, 12, 24)
            exponent = product.unit_cost.as_tuple().exponent
            assert exponent == (0 if currency == "JPY" else -2)
            assert product.unit_cost > Decimal(0)


def test_timeline_order(fortnight_world):
    for po in fortnight_world.purchase_orders:
        if po.acknowledged_at is None:
            assert po.closed_at is None
            assert not any(line.receipts or line.cancellations for line in po.lines)
            continue
        assert po.created_at < po.acknowledged_at
        for line in po.lines:
            for cancellation in line.cancellations:
                assert po.acknowledged_at < cancellation.at
            for receipt in line.receipts:
                assert all(c.at < receipt.at for c in line.cancellations)
            received = line.received_eaches(FOREVER)
            # Over receipts: at most two receiving units more than expected.
            assert received <= line.expected_eaches(FOREVER) + 2 * (
                line.received_unit_size
            )
        # Amazon closes every acknowledged PO, a short one once receiving ends.
        assert po.closed_at is not None
        assert po.closed_at >= max(po.event_times()[:-1])
        fully_done = all(
            line.received_eaches(FOREVER) >= line.expected_eaches(FOREVER)
            for line in po.lines
        )
        if not fully_done:
            assert po.closed_at >= max([*po.event_times()[:-1], po.ship_window[1]])
            assert po.closed_at - max(po.event_times()[:-1]) >= timedelta(days=5)


def test_rejects_naive_datetimes():
    with pytest.raises(ValueError, match="timezone-aware"):
        generate_world(1, datetime(2025, 1, 1), datetime(2025, 1, 2))
