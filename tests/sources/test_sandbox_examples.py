"""Amazon's own sandbox examples pass through the real extraction path intact."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pytest
from sp_api.auth import access_token_client

from vendor_recon.config import VendorAccount
from vendor_recon.landing import LandingWriter
from vendor_recon.simulator.sandbox import SandboxWorld, sandbox_examples
from vendor_recon.simulator.server import SimulatorServer
from vendor_recon.sources import purchase_order_statuses, purchase_orders
from vendor_recon.sources.base import PullStats, _rows, page_records
from vendor_recon.sources.windows import Window
from vendor_recon.spapi.client import AccountApi, RetryPolicy
from vendor_recon.spapi.credentials import SpApiCredentials
from vendor_recon.spapi.ratelimit import RateLimiters
from vendor_recon.warehouse import load_landed_files

ACCOUNT = VendorAccount(
    account_id="sandbox-na",
    region="NA",
    marketplace_ids=("ATVPDKIKX0DER",),
    vendor_codes=("999US",),
    currency_code="USD",
    connection_id="spapi_sandbox",
    reporting_currency_code="USD",
)
WINDOW = Window(datetime(2019, 1, 1, tzinfo=UTC), datetime(2021, 1, 1, tzinfo=UTC))


@pytest.mark.parametrize("spec", [purchase_orders.SPEC, purchase_order_statuses.SPEC])
def test_sandbox_examples_land_exactly_as_amazon_wrote_them(spec, tmp_path):
    access_token_client.cache.clear()
    world = SandboxWorld()
    simulated = world.accounts[0]
    examples = [
        e
        for e in sandbox_examples(spec.operation)
        if e.status_code == 200 and e.parameters
    ]
    assert examples
    with SimulatorServer(world) as server:
        api = AccountApi(
            ACCOUNT,
            SpApiCredentials(
                simulated.lwa_client_id,
                simulated.lwa_client_secret,
                simulated.refresh_token,
                server.url,
                f"{server.url}/auth/o2/token",
            ),
            policy=RetryPolicy(attempts=1),
            limiters=RateLimiters(),
        )
        request = getattr(api.client(spec.api_class), spec.method_name)
        stats = PullStats()
        with LandingWriter(
            tmp_path, ACCOUNT, spec.name, "sandbox", datetime.now(UTC)
        ) as writer:
            expected = []
            for page, example in enumerate(examples):
                body, _ = api.call(spec.operation, request, dict(example.parameters))
                records, _token = page_records(spec, ACCOUNT.account_id, body)
                assert records == example.response["payload"][spec.list_key]
                expected.extend(records)
                writer.write_page(
                    operation=spec.operation,
                    pull=spec.pulls[0].name,
                    window=WINDOW,
                    page_number=page,
                    params=dict(example.parameters),
                    rows=_rows(spec, spec.pulls[0], WINDOW, records, stats),
                )
            landed = writer.commit()

    warehouse = tmp_path / "wh.duckdb"
    (result,) = load_landed_files(warehouse, [landed.manifest_path])
    with duckdb.connect(str(warehouse)) as connection:
        stored = connection.execute(
            f"select payload::varchar from raw.{spec.name}"
        ).fetchall()
        quarantined = connection.execute(
            "select record, reason from raw.quarantine"
        ).fetchall()
    import json

    stored_documents = [json.loads(text) for (text,) in stored]
    # Every example document is stored unchanged, or quarantined with a reason.
    assert result.rows_in_file == len(expected)
    assert len(stored_documents) + len(quarantined) >= len(
        {json.dumps(d, sort_keys=True) for d in expected}
    )
    for document in stored_documents:
        assert document in expected
    for _record, reason in quarantined:
        assert "is a required property" in reason
