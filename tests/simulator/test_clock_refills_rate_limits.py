"""Moving the simulator's clock gives Amazon's token buckets that time to refill."""

from __future__ import annotations

from vendor_recon.simulator.ratelimit import USAGE_PLANS, RateLimiter


def drain(limiter: RateLimiter, operation: str) -> int:
    granted = 0
    while limiter.allow("acme-na", operation):
        granted += 1
    return granted


def test_a_simulated_day_refills_a_drained_bucket_to_its_burst():
    wall = [0.0]
    limiter = RateLimiter(clock=lambda: wall[0])
    rate, burst = USAGE_PLANS["createReport"]
    assert drain(limiter, "createReport") == burst
    # A minute of simulated time is one createReport token (0.0167 a second).
    limiter.elapse(60)
    assert drain(limiter, "createReport") == int(60 * rate)
    limiter.elapse(86_400)
    assert drain(limiter, "createReport") == burst
    # Other accounts' and operations' buckets are their own.
    assert limiter.allow("acme-eu", "createReport")


def test_moving_the_clock_back_refills_nothing():
    wall = [0.0]
    limiter = RateLimiter(clock=lambda: wall[0])
    drain(limiter, "getReportDocument")
    limiter.elapse(-86_400)
    assert not limiter.allow("acme-na", "getReportDocument")


def test_the_server_clock_refills_the_buckets():
    from datetime import UTC, datetime, timedelta

    from vendor_recon.simulator.state import SimulatorState
    from vendor_recon.simulator.world import default_accounts, generate_world

    start = datetime(2026, 11, 2, tzinfo=UTC)
    world = generate_world(
        1, start, start + timedelta(days=1), accounts=default_accounts()
    )
    wall = [0.0]
    state = SimulatorState(
        world,
        clock=start,
        token_lifetime_s=3600,
        rate_limits=True,
        faults=None,
        monotonic=lambda: wall[0],
    )
    _, burst = USAGE_PLANS["createReport"]
    assert drain(state.rate_limiter, "createReport") == burst
    state.set_now(start + timedelta(days=1))
    assert drain(state.rate_limiter, "createReport") == burst
