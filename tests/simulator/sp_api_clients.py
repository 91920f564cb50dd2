"""python-amazon-sp-api clients of any API, pointed at a local simulator."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import pytest
from sp_api.auth import AccessTokenClient
from sp_api.auth import access_token_client as token_cache
from sp_api.base import Client
from sp_api.base.credential_provider import FromCodeCredentialProvider

from vendor_recon.simulator.accounts import WorldAccount
from vendor_recon.simulator.server import SimulatorServer

C = TypeVar("C", bound=Client)


@dataclass(frozen=True)
class LocalMarketplace:
    """What the library reads from its Marketplaces enum."""

    endpoint: str
    marketplace_id: str
    region: str


@pytest.fixture
def library(monkeypatch):
    """A clean library: no endpoint overrides, no tokens cached by other tests."""
    monkeypatch.delenv("SP_API_DEFAULT_MARKETPLACE", raising=False)
    monkeypatch.delenv("AWS_ENV", raising=False)
    token_cache.cache.clear()
    yield
    token_cache.cache.clear()


def local_client(
    api_class: type[C], server: SimulatorServer, account: WorldAccount, **kwargs
) -> C:
    """An unpatched library client whose API and LWA URLs are the simulator's."""
    token_client = type(
        "SimulatorTokenClient",
        (AccessTokenClient,),
        {
            "scheme": "http://",
            "host": f"127.0.0.1:{server.port}",
            "path": "/auth/o2/token",
        },
    )
    return api_class(
        marketplace=LocalMarketplace(
            server.url, account.marketplace_id, account.region
        ),
        credentials=account.credentials,
        credential_providers=[FromCodeCredentialProvider],
        auth_token_client_class=token_client,
        **kwargs,
    )
