"""The `vendor-recon` command line: the everyday jobs, with one-line errors."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from rich.console import Console
from rich.markdown import Markdown
from rich.markup import escape
from rich.table import Table

console = Console()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="vendor-recon", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser(
        "demo", help="run the daily DAG for recent days against the simulator"
    )
    demo.add_argument(
        "--days", type=int, default=14, help="days of simulated business history"
    )
    demo.add_argument(
        "--runs",
        type=int,
        default=3,
        help="daily DAG runs, the last days of the history (the first reads it all)",
    )
    demo.add_argument(
        "--verbose",
        action="store_true",
        help="show the task logs instead of writing them to .airflow/logs/demo.log",
    )
    demo.add_argument("--seed", type=int, default=42)
    demo.add_argument("--orders-per-day", type=int, default=3)

    verify = commands.add_parser(
        "verify-snapshots",
        help="check every snapshot file of a day (or all): rows, sha256, receipts",
    )
    verify.add_argument("--day", help="only this day (YYYY-MM-DD)")

    restore = commands.add_parser(
        "restore", help="rebuild the raw tables from the snapshots into a new file"
    )
    restore.add_argument("--to", required=True, help="the new DuckDB file")
    restore.add_argument(
        "--through", help="replay the loads of this UTC day and before (YYYY-MM-DD)"
    )
    restore.add_argument(
        "--include-unloaded",
        action="store_true",
        help="also load manifests no load receipt names, last",
    )

    _add_deployment_commands(commands)

    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        if args.command == "demo":
            return _demo(args)
        if args.command == "verify-snapshots":
            return _verify(args)
        if args.command == "restore":
            return _restore(args)
        if args.command in DEPLOYMENT_COMMANDS:
            return DEPLOYMENT_COMMANDS[args.command](args)
    except KeyboardInterrupt:
        console.print("[yellow]interrupted[/yellow]")
        return 130
    except Exception as exc:  # one clear line for the user, not a traceback
        # One line however long the path in it, and no markup read from it.
        console.print(f"[red]error:[/red] {escape(str(exc))}", soft_wrap=True)
        return 1
    return 2


def _demo(args) -> int:
    from datetime import timedelta

    from vendor_recon.demo import run_demo
    from vendor_recon.settings import Settings

    home = Settings.from_env().home

    def progress(done: int, total: int, logical_date, state: str) -> None:
        # The logical date, as `status` and the digests name a run; it reads
        # the business day before it.
        colour = "green" if state == "success" else "red"
        business_day = logical_date - timedelta(days=1)
        console.print(
            f"[{done:>2}/{total}] run {logical_date:%Y-%m-%d} (business day "
            f"{business_day:%Y-%m-%d}): [{colour}]{state}[/{colour}]"
        )

    console.print(
        f"Running vendor_reconciliation_daily for the last {args.runs} of "
        f"{args.days} days of simulated business against the built-in SP-API "
        "simulator (127.0.0.1)..."
    )
    result = run_demo(
        home=home,
        days=args.days,
        runs=args.runs,
        verbose=args.verbose,
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
    exceptions = Table(title="marts.fct_reconciliation_exceptions by type")
    for heading in ("exception_type", "currency", "count", "amount at stake"):
        exceptions.add_column(
            heading, justify="left" if heading != "count" else "right"
        )
    for row in result.exceptions:
        exceptions.add_row(
            row["exception_type"],
            row["currency_code"] or "",
            str(row["exceptions"]),
            _money(row["amount_at_stake"], row["currency_code"]),
        )
    console.print(exceptions)
    for digest in result.digests.values():
        console.print(Markdown(digest))
    console.print(f"DuckDB warehouse: {result.warehouse_path}")
    console.print(f"Data Docs:        {result.docs_index}")
    if result.task_log:
        console.print(f"Task logs:        {result.task_log}")
    failed = [s for s in result.states if s != "success"]
    if failed or len(result.states) != result.runs:
        console.print(f"[red]{len(failed)} run(s) did not succeed[/red]")
        return 1
    return 0


def _verify(args) -> int:
    from datetime import date

    from vendor_recon.landing import (
        manifest_day,
        manifests_in,
        receipts_in,
        verify_day,
    )
    from vendor_recon.partial_files import partials_of_day
    from vendor_recon.settings import Settings

    root = Settings.from_env().snapshot_root
    if args.day:
        days = [date.fromisoformat(args.day)]
    else:
        found = [
            *manifests_in(root),
            *receipts_in(root),
            *partials_of_day(root, "dt=*"),
        ]
        days = sorted({manifest_day(path) for path in found})
    manifests = files = rows = receipts = 0
    stale, live = [], []
    for day in days:
        check = verify_day(root, day)  # raises, naming the file, on a mismatch
        manifests += check.manifests
        files += check.files
        rows += check.rows
        receipts += check.receipts
        stale += check.stale_partials
        live += check.live_partials
    if args.day and manifests + receipts == 0:
        # An auditor asking for a day must not read "verified" over nothing.
        console.print(
            f"error: no snapshots of {args.day} under {Path(root)}: nothing was "
            "landed or loaded that day (or the snapshot root is not this one)",
            soft_wrap=True,
        )
        return 1
    console.print(
        f"verified {manifests} manifests, {files} files, {rows} rows and "
        f"{receipts} load receipts of {len(days)} day(s) under {Path(root)}"
    )
    # Leftovers are no snapshot, so they fail nothing; they are shown because
    # each one is a landing or load that was killed and not yet run again.
    if stale:
        console.print(
            f"[yellow]{len(stale)} leftover partial file(s) of killed landings or "
            "loads (the next landing of the same account and source, or the next "
            "load, removes them):[/yellow]"
        )
    for path in stale:
        console.print(f"  leftover: {escape(str(path))}", soft_wrap=True)
    if live:
        console.print(f"{len(live)} partial file(s) being written now")
    return 0


def _restore(args) -> int:
    from datetime import date

    from vendor_recon.settings import Settings
    from vendor_recon.warehouse import restore

    root = Settings.from_env().snapshot_root
    through = date.fromisoformat(args.through) if args.through else None
    result = restore(
        root, args.to, through=through, include_unloaded=args.include_unloaded
    )
    console.print(
        f"restored {result.loads} loads ({result.files} files, "
        f"{result.rows_inserted} rows) from {root} into {result.path}"
    )
    if result.unloaded_manifests and not args.include_unloaded:
        console.print(
            f"[yellow]{len(result.unloaded_manifests)} manifests were never loaded "
            "and were left out (--include-unloaded loads them)[/yellow]"
        )
    return 0


# --- Deployment: backfills through Airflow, run status, mart exports, manifest.


def _add_deployment_commands(commands) -> None:
    run = commands.add_parser(
        "run", help="backfill the daily DAG for UTC days through the running Airflow"
    )
    run.add_argument("--start", required=True, help="first day (YYYY-MM-DD)")
    run.add_argument("--end", required=True, help="last day, inclusive (YYYY-MM-DD)")
    run.add_argument(
        "--timeout", type=float, default=6 * 3600, help="seconds to wait (6 h)"
    )

    status = commands.add_parser("status", help="the daily DAG's recent runs")
    status.add_argument("--limit", type=int, default=10)
    status.add_argument(
        "--figures",
        action="store_true",
        help="instead, the extraction figures of the latest load per account and "
        "source (read from the snapshots; no Airflow needed)",
    )
    status.add_argument(
        "--day", help="with --figures: every landing of this UTC day (YYYY-MM-DD)"
    )

    export = commands.add_parser(
        "export-marts", help="write the marts as dated Parquet with a manifest"
    )
    export.add_argument("--day", help="the day to name (YYYY-MM-DD)")
    export.add_argument("--to", required=True, help="the export folder")
    export.add_argument(
        "--from-snapshots",
        action="store_true",
        help="rebuild the marts from the snapshots instead of the warehouse's",
    )
    export.add_argument(
        "--as-of",
        help="with --from-snapshots: the loads of this UTC day and before, judged "
        "as of its 00:00 UTC, as the daily run of that day did (YYYY-MM-DD)",
    )
    export.add_argument(
        "--warehouse",
        help="with --from-snapshots: keep the rebuilt DuckDB file here (new file)",
    )

    commands.add_parser(
        "manifest", help="write the dbt manifest the DAG is drawn from (dbt parse)"
    )


def _local_airflow_by_default() -> None:
    """Without AIRFLOW_HOME, use the checkout's .airflow, as `make demo` does."""
    import os

    if not (
        os.environ.get("AIRFLOW_HOME")
        or os.environ.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN")
    ):
        from vendor_recon import local_airflow
        from vendor_recon.settings import Settings

        home = Settings.from_env().home
        local_airflow.prepare_environment(home / ".airflow", home / "dags")


def _run(args) -> int:
    from datetime import date

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    _local_airflow_by_default()
    from vendor_recon import airflow_runs

    start, end = date.fromisoformat(args.start), date.fromisoformat(args.end)
    total = len(airflow_runs.logical_dates(start, end))
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(f"backfill {start}..{end}", total=total)

        def progress(runs) -> None:
            done = sum(r.state in airflow_runs.FINISHED for r in runs)
            running = sum(r.state == "running" for r in runs)
            bar.update(task, completed=done, description=f"{running} running")

        runs = airflow_runs.backfill(
            start, end, timeout_s=args.timeout, progress=progress
        )
    _print_runs(runs, f"backfill {start}..{end}")
    failed = [r for r in runs if r.state != "success"]
    if failed:
        console.print(f"[red]{len(failed)} of {len(runs)} runs failed[/red]")
        return 1
    return 0


def _status(args) -> int:
    if args.figures:
        return _figures(args)
    _local_airflow_by_default()
    from vendor_recon import airflow_runs

    runs = airflow_runs.recent_runs(args.limit)
    if not runs:
        console.print(f"no runs of {airflow_runs.DAG_ID} yet")
        return 0
    _print_runs(runs, f"{airflow_runs.DAG_ID}: the last {len(runs)} runs")
    return 0


def _figures(args) -> int:
    from datetime import date

    from vendor_recon import run_figures
    from vendor_recon.settings import Settings

    root = Settings.from_env().snapshot_root
    if args.day:
        manifests = run_figures.day_manifests(root, date.fromisoformat(args.day))
        title = f"extraction figures of the landings of {args.day}"
    else:
        manifests = run_figures.latest_load_manifests(root)
        title = "extraction figures of the latest load"
    figures = run_figures.figures_from_manifests(manifests)
    if not figures:
        console.print(f"no landings to count under {escape(str(root))}")
        return 0
    table = Table(title=f"{title} ({len(manifests)} landing files)")
    for heading in FIGURE_COLUMNS:
        table.add_column(heading, justify="left" if heading in FIGURE_KEYS else "right")
    for row in [*figures, run_figures.total(figures)]:
        values = (getattr(row, name) for name in FIGURE_COLUMNS.values())
        table.add_row(*(_figure(value) for value in values))
    console.print(table)
    return 0


FIGURE_KEYS = ("account", "source")
FIGURE_COLUMNS = {
    "account": "account_id",
    "source": "source",
    "documents": "documents",
    "pages": "pages",
    "quarantined": "quarantined",
    "outside window": "out_of_window",
    "requests": "requests",
    "429s": "throttled",
    "retries": "retries",
    "limiter wait s": "limiter_wait_s",
    "backoff s": "backoff_s",
}


def _figure(value) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}"
    return f"{value:,}" if isinstance(value, int) else escape(str(value))


def _print_runs(runs, title: str) -> None:
    table = Table(title=title)
    for heading in ("logical date", "state", "seconds", "failed tasks", "run id"):
        table.add_column(heading, justify="right" if heading == "seconds" else "left")
    for run in runs:
        colour = {"success": "green", "failed": "red"}.get(run.state, "yellow")
        table.add_row(
            f"{run.logical_date:%Y-%m-%d %H:%M}" if run.logical_date else "-",
            f"[{colour}]{run.state}[/{colour}]",
            f"{run.seconds:.0f}" if run.seconds is not None else "-",
            escape(", ".join(run.failed_tasks)) or "-",
            escape(run.run_id),
        )
    console.print(table)


def _export_marts(args) -> int:
    from datetime import date

    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from vendor_recon.marts_export import (
        MANIFEST_NAME,
        export_marts,
        export_marts_as_of,
    )

    if args.from_snapshots:
        if not args.as_of or args.day:
            raise ValueError("--from-snapshots takes --as-of YYYY-MM-DD, not --day")
        day = date.fromisoformat(args.as_of)
    else:
        if not args.day or args.as_of or args.warehouse:
            raise ValueError(
                "give --day YYYY-MM-DD (the warehouse's marts), or --from-snapshots "
                "--as-of YYYY-MM-DD (rebuilt as of that day)"
            )
        day = date.fromisoformat(args.day)
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("exporting", total=None)

        def progress(step: str) -> None:
            bar.update(task, description=escape(step))

        if args.from_snapshots:
            export = export_marts_as_of(
                day, args.to, warehouse=args.warehouse, progress=progress
            )
        else:
            export = export_marts(day, args.to, progress=progress)
    rows = sum(t.rows for t in export.tables)
    rebuilt = (
        f" rebuilt as of {export.as_of} from {export.rebuilt_from['loads']} loads"
        if export.rebuilt_from
        else ""
    )
    console.print(
        f"exported {len(export.tables)} tables ({rows} rows){rebuilt} to "
        f"{export.folder} (manifest {MANIFEST_NAME})",
        soft_wrap=True,
    )
    return 0


def _manifest(args) -> int:
    from vendor_recon.dbt_tasks import write_manifest

    console.print(f"dbt manifest: {write_manifest()}", soft_wrap=True)
    return 0


DEPLOYMENT_COMMANDS = {
    "run": _run,
    "status": _status,
    "export-marts": _export_marts,
    "manifest": _manifest,
}


if __name__ == "__main__":
    sys.exit(main())


def _money(amount, currency_code: str | None) -> str:
    """Thousands separators and the currency's minor unit (JPY has none)."""
    if amount is None:
        return ""
    from decimal import Decimal

    places = Decimal(1) if currency_code in ("JPY", "KRW") else Decimal("0.01")
    return f"{Decimal(amount).quantize(places):,}"
