"""`python -m vendor_recon.simulator`: serve a world on 127.0.0.1 until Ctrl-C."""

from __future__ import annotations

import argparse
import logging
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from vendor_recon.simulator.api import SimulatedApi
from vendor_recon.simulator.sandbox import SandboxWorld
from vendor_recon.simulator.scenarios import ScenarioWorld
from vendor_recon.simulator.server import SimulatorServer
from vendor_recon.simulator.timestamps import iso_seconds
from vendor_recon.simulator.world import generate_world


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
    world: SimulatedApi
    if args.world == "sandbox":
        world = SandboxWorld()
    elif args.world == "scenario":
        if args.scenario is None:
            _parser().error("--world scenario needs --scenario PATH")
        world = ScenarioWorld.from_folder(args.scenario)
    else:
        end = datetime.combine(
            args.end or datetime.now(UTC).date(), datetime.min.time()
        )
        end = end.replace(tzinfo=UTC)
        world = generate_world(
            args.seed,
            end - timedelta(days=args.days),
            end,
            orders_per_day=args.orders_per_day,
        )

    with SimulatorServer(
        world, port=args.port, rate_limits=not args.no_rate_limits
    ) as server:
        print(f"SP-API simulator ({args.world} world) at {server.url}")
        print(
            f"clock: {iso_seconds(server.clock)} (POST {server.url}/_simulator/clock)"
        )
        for account in world.accounts:
            print(
                f"  {account.account_id}: client_id={account.lwa_client_id} "
                f"client_secret={account.lwa_client_secret} "
                f"refresh_token={account.refresh_token}"
            )
        print("Ctrl-C to stop")
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            print("stopping")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m vendor_recon.simulator")
    parser.add_argument(
        "--world", choices=("generated", "sandbox", "scenario"), default="generated"
    )
    parser.add_argument(
        "--scenario", type=Path, help="scenario folder (see docs/simulator.md)"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--days", type=int, default=14, help="days of purchase orders")
    parser.add_argument(
        "--end",
        type=date.fromisoformat,
        help="UTC date the world stops creating POs (default: today)",
    )
    parser.add_argument("--orders-per-day", type=int, default=3)
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--no-rate-limits", action="store_true")
    return parser


if __name__ == "__main__":
    raise SystemExit(main())
