"""The vendor accounts file: YAML in, validated typed account objects out."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

# Amazon's SP-API regions and the marketplaces each serves. The endpoint is the
# production host; a connection may override it (the simulator does).
REGION_ENDPOINTS = {
    "NA": "https://sellingpartnerapi-na.amazon.com",
    "EU": "https://sellingpartnerapi-eu.amazon.com",
    "FE": "https://sellingpartnerapi-fe.amazon.com",
}
MARKETPLACE_REGIONS = {
    "ATVPDKIKX0DER": "NA",  # US
    "A2EUQ1WTGCTBG2": "NA",  # CA
    "A1AM78C64UM0Y8": "NA",  # MX
    "A2Q3Y263D00KWC": "NA",  # BR
    "A1F83G8C2ARO7P": "EU",  # UK
    "A1PA6795UKMFR9": "EU",  # DE
    "A13V1IB3VIYZZH": "EU",  # FR
    "APJ6JRA9NG5V4": "EU",  # IT
    "A1RKKUPIHCS9HS": "EU",  # ES
    "A1805IZSGTT6HS": "EU",  # NL
    "A2NODRKZP88ZB9": "EU",  # SE
    "A1C3SOZRARQ6R3": "EU",  # PL
    "A33AVAJ2PDY3EV": "EU",  # TR
    "A21TJRUUN4KGV": "EU",  # IN
    "A1VC38T7YXB528": "FE",  # JP
    "A39IBJ37TRP1C6": "FE",  # AU
    "A19VAU5U5O7RUS": "FE",  # SG
}
CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")
ACCOUNT_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


class ConfigError(ValueError):
    """A problem in the accounts file, naming the file, the account and the field."""


@dataclass(frozen=True)
class VendorAccount:
    account_id: str
    region: str
    marketplace_ids: tuple[str, ...]
    vendor_codes: tuple[str, ...]
    currency_code: str
    connection_id: str
    reporting_currency_code: str
    options: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def primary_marketplace_id(self) -> str:
        return self.marketplace_ids[0]

    @property
    def default_endpoint(self) -> str:
        return REGION_ENDPOINTS[self.region]


def load_accounts(path: str | Path) -> list[VendorAccount]:
    """Read and validate the accounts file; raise ConfigError on the first problem."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: accounts file not found")
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("accounts"), list):
        raise ConfigError(f"{path}: expected a top-level 'accounts:' list")
    if not document["accounts"]:
        raise ConfigError(f"{path}: 'accounts' is empty")

    accounts = []
    for index, entry in enumerate(document["accounts"]):
        accounts.append(_parse_account(path, index, entry))

    seen: set[str] = set()
    for account in accounts:
        if account.account_id in seen:
            raise ConfigError(
                f"{path}: account {account.account_id!r}: field 'account_id' "
                "is listed twice"
            )
        seen.add(account.account_id)
    return accounts


def _parse_account(path: Path, index: int, entry: Any) -> VendorAccount:
    where = f"{path}: accounts[{index}]"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: expected a mapping")
    account_id = entry.get("account_id")
    if not isinstance(account_id, str) or not ACCOUNT_ID.match(account_id):
        raise ConfigError(
            f"{where}: field 'account_id' must be lowercase letters, digits, '-' or "
            f"'_', got {account_id!r}"
        )
    where = f"{path}: account {account_id!r}"

    def require(name: str) -> Any:
        value = entry.get(name)
        if value in (None, "", []):
            raise ConfigError(f"{where}: field {name!r} is missing")
        return value

    region = require("region")
    if region not in REGION_ENDPOINTS:
        raise ConfigError(
            f"{where}: field 'region' is {region!r}, expected one of "
            f"{', '.join(REGION_ENDPOINTS)}"
        )
    marketplaces = require("marketplaces")
    if isinstance(marketplaces, str):
        marketplaces = [marketplaces]
    for marketplace_id in marketplaces:
        if MARKETPLACE_REGIONS.get(marketplace_id) != region:
            raise ConfigError(
                f"{where}: field 'marketplaces' has {marketplace_id!r}, which is not "
                f"a marketplace of region {region}"
            )
    vendor_codes = require("vendor_codes")
    if isinstance(vendor_codes, str):
        vendor_codes = [vendor_codes]
    currency = require("currency")
    if not isinstance(currency, str) or not CURRENCY_CODE.match(currency):
        raise ConfigError(
            f"{where}: field 'currency' must be an ISO 4217 code, got {currency!r}"
        )
    reporting = entry.get("reporting_currency", currency)
    if not isinstance(reporting, str) or not CURRENCY_CODE.match(reporting):
        raise ConfigError(
            f"{where}: field 'reporting_currency' must be an ISO 4217 code, "
            f"got {reporting!r}"
        )
    connection_id = require("connection_id")
    if not isinstance(connection_id, str):
        raise ConfigError(f"{where}: field 'connection_id' must be a string")

    return VendorAccount(
        account_id=account_id,
        region=region,
        marketplace_ids=tuple(marketplaces),
        vendor_codes=tuple(str(code) for code in vendor_codes),
        currency_code=currency,
        connection_id=connection_id,
        reporting_currency_code=reporting,
        options=dict(entry.get("options") or {}),
    )
