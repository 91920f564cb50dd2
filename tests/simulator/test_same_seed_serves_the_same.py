"""Two worlds of one seed serve the same bytes everywhere; another seed does not."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from vendor_recon.simulator import exact_json
from vendor_recon.simulator.inbox import inbox_files
from vendor_recon.simulator.report_rules import (
    PERIODIC,
    REAL_TIME,
    REPORT_TYPES,
    check_report_request,
)
from vendor_recon.simulator.report_shapes import document_bytes
from vendor_recon.simulator.reports import generated_report
from vendor_recon.simulator.world import World, generate_world

# A Sunday, so that the first week is a whole vendor week.
START = datetime(2025, 3, 2, tzinfo=UTC)
AS_OF = START + timedelta(days=40, hours=7)


def served(world: World) -> str:
    """A digest of what the simulator answers from a world at AS_OF: orders,
    statuses, finance invoices, every report type and the inbox files."""
    digest = hashlib.sha256()
    for account in world.accounts:
        for document in (
            *world.orders_as_of(account.account_id, AS_OF),
            *world.statuses_as_of(account.account_id, AS_OF),
        ):
            digest.update(exact_json.dumps(document).encode())
        for invoice in world.finance_invoices_as_of(account.account_id, AS_OF):
            digest.update(exact_json.dumps([invoice.header, invoice.items]).encode())
        for report_type in REPORT_TYPES.values():
            options = {name: values[0] for name, values in report_type.options.items()}
            start = end = None
            if report_type.kind == PERIODIC:
                options["reportPeriod"] = "WEEK"
                start, end = START, START + timedelta(days=6)
            elif report_type.kind == REAL_TIME:
                end = AS_OF.replace(minute=0) - timedelta(hours=2)
                start = end - timedelta(hours=6)
            spec = check_report_request(
                report_type,
                account,
                (account.marketplace_id,),
                options,
                start,
                end,
                AS_OF,
            )
            document = generated_report(world, spec)
            assert document is not None, report_type.name
            digest.update(document_bytes(document))
    for _, path, content in inbox_files(world, AS_OF):
        digest.update(str(path).encode() + content)
    return digest.hexdigest()


def test_one_seed_serves_identical_answers_twice():
    end = START + timedelta(days=7)
    first = served(generate_world(9, START, end))
    assert served(generate_world(9, START, end)) == first
    assert served(generate_world(10, START, end)) != first
