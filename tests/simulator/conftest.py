"""Shared worlds and servers for the simulator tests (built once per module or run)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from vendor_recon.simulator.accounts import WorldAccount
from vendor_recon.simulator.server import SimulatorServer
from vendor_recon.simulator.world import World, generate_world

START = datetime(2025, 3, 3, tzinfo=UTC)


@pytest.fixture(scope="session")
def small_world() -> World:
    """Seed 7, three days, the default accounts: the brief's 'small world'."""
    return generate_world(7, START, START + timedelta(days=3))


@pytest.fixture(scope="session")
def fortnight_world() -> World:
    return generate_world(11, START, START + timedelta(days=14), orders_per_day=4)


@pytest.fixture(scope="module")
def server(fortnight_world):
    """No rate limits; the clock 20 days after the world starts (6 after its end)."""
    with SimulatorServer(
        fortnight_world, clock=START + timedelta(days=20), rate_limits=False
    ) as running:
        yield running


@pytest.fixture
def http():
    with httpx.Client(timeout=5) as client:
        yield client


TokenGetter = Callable[[SimulatorServer, WorldAccount], str]


@pytest.fixture
def get_token(http) -> TokenGetter:
    """Exchange an account's refresh token for an access token at a server."""

    def exchange(server: SimulatorServer, account: WorldAccount) -> str:
        response = http.post(
            f"{server.url}/auth/o2/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": account.refresh_token,
                "client_id": account.lwa_client_id,
                "client_secret": account.lwa_client_secret,
            },
        )
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    return exchange
