"""The parts of the rate limit the store does not hold: dropped posts and posts in flight."""

from datetime import UTC, datetime, timedelta

from newsroom.service.in_flight import InFlight
from newsroom.service.rate_limit import DroppedLog, too_many

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_dropped_posts_are_counted_for_a_minute():
    log = DroppedLog()
    log.add("203.0.113.9", T0)
    log.add("203.0.113.9", T0 + timedelta(seconds=30))
    log.add("198.51.100.7", T0)
    assert log.count("203.0.113.9", T0 - timedelta(seconds=1)) == 2
    assert log.count("203.0.113.9", T0 + timedelta(seconds=10)) == 1
    assert log.count("203.0.113.9", T0 + timedelta(minutes=5)) == 0
    assert log.count("192.0.2.1", T0) == 0


def test_the_dropped_log_stays_small_under_a_flood_of_addresses():
    log = DroppedLog(max_addresses=100)
    for n in range(1000):
        log.add(f"10.0.{n // 256}.{n % 256}", T0 + timedelta(seconds=n))
    assert len(log._times) <= 100
    assert log.count("10.0.3.231", T0) == 1  # the newest is remembered


def test_posts_in_flight_count_only_the_ones_ahead():
    register = InFlight()
    with (
        register.holding("a", "text") as first,
        register.holding("a", "text") as second,
        register.holding("b", "other") as third,
    ):
        assert register.ahead_from_address(first) == 0
        assert register.ahead_from_address(second) == 1
        assert register.ahead_from_address(third) == 0
        assert not register.same_text_ahead(first)
        assert register.same_text_ahead(second)
        assert not register.same_text_ahead(third)
    with register.holding("a", "text") as later:
        assert register.ahead_from_address(later) == 0  # the others are done
        assert not register.same_text_ahead(later)
    assert register._by_address == {} and register._by_text == {}


def test_the_refusal_says_the_limit_and_when_to_retry():
    refusal = too_many(5)
    assert refusal.status == 429
    assert "at most 5 a minute" in refusal.errors["request"]
    assert refusal.headers == {"Retry-After": "60"}
