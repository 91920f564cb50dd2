"""Simulated vendor accounts: region, marketplace, vendor codes and fake LWA secrets."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


@dataclass(frozen=True)
class WorldAccount:
    account_id: str
    region: str
    marketplace_id: str
    vendor_codes: tuple[str, ...]
    currency_code: str
    lwa_client_id: str
    lwa_client_secret: str = field(repr=False)
    refresh_token: str = field(repr=False)

    @property
    def credentials(self) -> dict[str, str]:
        """The account's secrets under the names python-amazon-sp-api expects."""
        return {
            "refresh_token": self.refresh_token,
            "lwa_app_id": self.lwa_client_id,
            "lwa_client_secret": self.lwa_client_secret,
        }


def make_account(
    account_id: str,
    region: str,
    marketplace_id: str,
    vendor_codes: tuple[str, ...] | list[str],
    currency_code: str,
) -> WorldAccount:
    """An account whose fake secrets derive from its id, the same in every world."""
    digest = hashlib.sha256(f"vendor-recon-simulator:{account_id}".encode()).hexdigest()
    return WorldAccount(
        account_id=account_id,
        region=region,
        marketplace_id=marketplace_id,
        vendor_codes=tuple(vendor_codes),
        currency_code=currency_code,
        lwa_client_id=f"amzn1.application-oa2-client.sim{digest[:32]}",
        lwa_client_secret=f"amzn1.oa2-cs.v1.sim{digest[32:64]}",
        refresh_token=f"Atzr|sim-{account_id}-{digest[:48]}",
    )


def default_accounts() -> list[WorldAccount]:
    """One account per SP-API region; acme-na sells under two vendor codes."""
    return [
        make_account("acme-na", "NA", "ATVPDKIKX0DER", ("ACME1", "ACME2"), "USD"),
        make_account("acme-eu", "EU", "A1PA6795UKMFR9", ("ACMEDE",), "EUR"),
        make_account("acme-fe", "FE", "A1VC38T7YXB528", ("ACMEJP",), "JPY"),
    ]
