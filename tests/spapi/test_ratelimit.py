from vendor_recon.spapi.ratelimit import RateLimiters, TokenBucket


class FakeClock:
    def __init__(self):
        self.now = 0.0
        self.slept = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def test_burst_then_waits_at_the_rate():
    clock = FakeClock()
    bucket = TokenBucket(rate=2.0, burst=3, clock=clock, sleep=clock.sleep)
    waits = [bucket.acquire() for _ in range(5)]
    assert waits[:3] == [0.0, 0.0, 0.0]
    assert waits[3] == 0.5 and waits[4] == 0.5
    assert bucket.stats.requests == 5
    assert bucket.stats.waited_s == 1.0


def test_header_rate_replaces_documented_rate():
    clock = FakeClock()
    bucket = TokenBucket(rate=10.0, burst=1, clock=clock, sleep=clock.sleep)
    bucket.update_rate("0.5")
    bucket.acquire()
    assert bucket.acquire() == 2.0
    bucket.update_rate("not-a-number")
    bucket.update_rate(None)
    assert bucket.rate == 0.5


def test_drain_after_throttling_forces_a_full_wait():
    clock = FakeClock()
    bucket = TokenBucket(rate=1.0, burst=10, clock=clock, sleep=clock.sleep)
    bucket.drain()
    assert bucket.acquire() == 1.0


def test_one_bucket_per_account_and_operation():
    limiters = RateLimiters()
    a = limiters.bucket("acme-na", "getPurchaseOrders")
    assert limiters.bucket("acme-na", "getPurchaseOrders") is a
    assert limiters.bucket("acme-eu", "getPurchaseOrders") is not a
    assert limiters.bucket("acme-na", "getReport").rate == 2.0
