"""SP-API credentials from a connection's fields; secrets never leave this object."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from vendor_recon.spapi.errors import CredentialsError

LWA_TOKEN_URL = "https://api.amazon.com/auth/o2/token"  # noqa: S105 (a URL)


@dataclass(frozen=True)
class SpApiCredentials:
    """LWA app id and secret, the seller's refresh token, optional endpoint overrides.

    `repr` masks the secrets so that a logged or printed object leaks nothing.
    """

    lwa_app_id: str
    lwa_client_secret: str = field(repr=False)
    refresh_token: str = field(repr=False)
    endpoint: str | None = None
    lwa_token_url: str = LWA_TOKEN_URL

    @classmethod
    def from_connection_fields(
        cls,
        account_id: str,
        connection_id: str,
        *,
        login: str | None,
        password: str | None,
        extra: dict[str, Any] | None,
    ) -> SpApiCredentials:
        """Build from an Airflow connection: login = LWA app id, password = secret.

        The extra holds `refresh_token` and, to aim at another server than
        Amazon's (the simulator), `endpoint` and `lwa_token_url`.
        """
        extra = extra or {}
        missing = [
            name
            for name, value in (
                ("login (LWA app id)", login),
                ("password (LWA client secret)", password),
                ("extra.refresh_token", extra.get("refresh_token")),
            )
            if not value
        ]
        if missing:
            raise CredentialsError(
                account_id,
                "credentials",
                f"connection {connection_id!r} lacks {', '.join(missing)}",
            )
        endpoint = extra.get("endpoint") or None
        token_url = extra.get("lwa_token_url") or LWA_TOKEN_URL
        for name, url in (
            ("extra.endpoint", endpoint),
            ("extra.lwa_token_url", token_url),
        ):
            if url and urlsplit(url).scheme not in ("http", "https"):
                raise CredentialsError(
                    account_id,
                    "credentials",
                    f"connection {connection_id!r}: {name} must be an http(s) URL",
                )
        return cls(
            lwa_app_id=str(login),
            lwa_client_secret=str(password),
            refresh_token=str(extra["refresh_token"]),
            endpoint=endpoint,
            lwa_token_url=token_url,
        )

    def secrets(self) -> tuple[str, ...]:
        """The values a log filter must mask."""
        return (self.lwa_client_secret, self.refresh_token)
