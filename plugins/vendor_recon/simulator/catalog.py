"""Each account's products: ASIN, EAN-13 vendor SKU, cost, list price, case size."""

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# Currencies without minor units; every other simulated currency has two.
ZERO_DECIMAL_CURRENCIES = frozenset({"JPY"})
CASE_SIZES = (6, 12, 24)
# EAN-13 prefixes of the GS1 member organisations of each region's marketplace.
EAN_PREFIXES = {"NA": ("0",), "EU": ("40", "41", "42", "43", "44"), "FE": ("45", "49")}
_ASIN_CHARACTERS = string.digits + string.ascii_uppercase


@dataclass(frozen=True)
class Product:
    asin: str
    vendor_sku: str
    unit_cost: Decimal
    list_price: Decimal
    case_size: int


def money_exponent(currency_code: str) -> Decimal:
    """The smallest unit of a currency as a Decimal exponent (1 or 0.01)."""
    return Decimal("1") if currency_code in ZERO_DECIMAL_CURRENCIES else Decimal("0.01")


def quantize_money(amount: Decimal, currency_code: str) -> Decimal:
    return amount.quantize(money_exponent(currency_code), rounding=ROUND_HALF_UP)


def generate_catalog(
    rng: random.Random, region: str, currency_code: str, size: int = 15
) -> tuple[Product, ...]:
    """`size` products with distinct ASINs and SKUs, costs in the account currency."""
    products: list[Product] = []
    asins: set[str] = set()
    skus: set[str] = set()
    while len(products) < size:
        asin = "B0" + "".join(rng.choices(_ASIN_CHARACTERS, k=8))
        sku = _ean13(rng, rng.choice(EAN_PREFIXES[region]))
        if asin in asins or sku in skus:
            continue
        asins.add(asin)
        skus.add(sku)
        unit_cost = _unit_cost(rng, currency_code)
        markup = Decimal(rng.randint(125, 190)) / 100
        products.append(
            Product(
                asin=asin,
                vendor_sku=sku,
                unit_cost=unit_cost,
                list_price=quantize_money(unit_cost * markup, currency_code),
                case_size=rng.choice(CASE_SIZES),
            )
        )
    return tuple(products)


def _unit_cost(rng: random.Random, currency_code: str) -> Decimal:
    if currency_code in ZERO_DECIMAL_CURRENCIES:
        # Yen prices end in a round ten.
        return Decimal(rng.randint(30, 2000) * 10)
    return quantize_money(Decimal(rng.randint(250, 18000)) / 100, currency_code)


def _ean13(rng: random.Random, prefix: str) -> str:
    body = prefix + "".join(rng.choices(string.digits, k=12 - len(prefix)))
    weighted = sum(
        int(digit) * (3 if index % 2 else 1) for index, digit in enumerate(body)
    )
    return body + str((10 - weighted % 10) % 10)
