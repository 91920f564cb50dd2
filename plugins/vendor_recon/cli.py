"""The `vendor-recon` command line: the everyday jobs, with one-line errors."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

console = Console()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="vendor-recon", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser(
        "demo", help="run the daily DAG for recent days against the simulator"
    )
    demo.add_argument("--days", type=int, default=14)
    demo.add_argument("--seed", type=int, default=42)
    demo.add_argument("--orders-per-day", type=int, default=3)

    verify = commands.add_parser(
        "verify-snapshots", help="check every snapshot manifest's files and hashes"
    )
    verify.add_argument("--day", help="only this day (YYYY-MM-DD)")

    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        if args.command == "demo":
            return _demo(args)
        if args.command == "verify-snapshots":
            return _verify(args)
    except KeyboardInterrupt:
        console.print("[yellow]interrupted[/yellow]")
        return 130
    except Exception as exc:  # one clear line for the user, not a traceback
        console.print(f"[red]error:[/red] {exc}")
        return 1
    return 2


def _demo(args) -> int:
    from vendor_recon.demo import run_demo
    from vendor_recon.settings import Settings

    home = Settings.from_env().home

    def progress(done: int, total: int, day, state: str) -> None:
        colour = "green" if state == "success" else "red"
        console.print(
            f"[{done:>2}/{total}] {day:%Y-%m-%d}: [{colour}]{state}[/{colour}]"
        )

    console.print(
        f"Running vendor_reconciliation_daily for {args.days} days against the "
        "built-in SP-API simulator (127.0.0.1)..."
    )
    result = run_demo(
        home=home,
        days=args.days,
        seed=args.seed,
        orders_per_day=args.orders_per_day,
        progress=progress,
    )
    table = Table(
        title="marts.fct_po_line_reconciliation per account (units in eaches)"
    )
    headings = ("account", "POs", "lines", "ordered", "accepted", "received")
    for heading in headings:
        table.add_column(heading, justify="left" if heading == "account" else "right")
    for row in result.summary:
        table.add_row(*(str(value) for value in row.values()))
    console.print(table)
    console.print(f"DuckDB warehouse: {result.warehouse_path}")
    console.print(f"Data Docs:        {result.docs_index}")
    failed = [s for s in result.states if s != "success"]
    if failed or len(result.states) != result.days:
        console.print(f"[red]{len(failed)} run(s) did not succeed[/red]")
        return 1
    return 0


def _verify(args) -> int:
    from datetime import date

    from vendor_recon.landing import manifests_in, verify_manifest
    from vendor_recon.settings import Settings

    root = Settings.from_env().snapshot_root
    day = date.fromisoformat(args.day) if args.day else None
    manifests = manifests_in(root, day)
    files = rows = 0
    for manifest in manifests:
        for landed in verify_manifest(manifest):
            files += 1
            rows += landed.rows
    console.print(
        f"verified {len(manifests)} manifests, {files} files, {rows} rows under "
        f"{Path(root)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
