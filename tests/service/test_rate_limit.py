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


def test_address_groups():
    from newsroom.service.client_address import UNKNOWN, address_group

    assert address_group("203.0.113.9") == "203.0.113.9"
    assert address_group("2001:db8:1:2:aaaa::1") == address_group("2001:db8:1:2:bbbb::2")
    assert address_group("2001:db8:1:2::1") == "2001:db8:1:2::/64"
    assert address_group("2001:db8:1:3::1") != address_group("2001:db8:1:2::1")
    assert address_group("") == UNKNOWN


def post_as(service, forwarded_for=None, body="Hello"):
    from tests.support.service import THREAD

    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    data = {"thread": THREAD, "author": "Ann", "email": "ann@example.org", "body": body}
    with service.client() as client:
        return client.post("/api/comments", json=data, headers=headers)


def test_clients_whose_address_is_unknown_share_one_limit(service_runner, fake_akismet, caplog):
    """uvicorn on a UNIX socket knows no client address: that must not switch the limit
    off. The log says once how to give the service the address."""
    import logging

    env = {**fake_akismet.env(), "NEWSROOM_RATE_LIMIT": "2"}
    service = service_runner.start(env, uds=True)
    with caplog.at_level(logging.WARNING, logger="newsroom.service"):
        answers = [post_as(service, body=f"comment {n}").status_code for n in range(4)]
    assert answers == [202, 202, 429, 429]
    assert caplog.text.count("NEWSROOM_TRUSTED_PROXIES") == 1
    (stored,) = {c.ip for c in service.store.select()}
    assert stored is None  # an unknown address is not made up


def test_ipv6_clients_are_counted_per_64(service_runner, fake_akismet):
    env = {
        **fake_akismet.env(),
        "NEWSROOM_RATE_LIMIT": "2",
        "NEWSROOM_TRUSTED_PROXIES": "127.0.0.1",
    }
    service = service_runner.start(env)
    same = ["2001:db8:1:2::1", "2001:db8:1:2:ffff::9", "2001:db8:1:2:abcd::5"]
    answers = [post_as(service, ip, body=f"from {ip}").status_code for ip in same]
    assert answers == [202, 202, 429]
    assert post_as(service, "2001:db8:1:3::1", body="next door").status_code == 202


def test_a_proxy_that_writes_ip_and_port_is_understood(service_runner, fake_akismet):
    env = {**fake_akismet.env(), "NEWSROOM_TRUSTED_PROXIES": "127.0.0.1"}
    service = service_runner.start(env)
    assert post_as(service, "198.51.100.7:51234", body="v4").status_code == 202
    assert post_as(service, "[2001:db8::7]:443", body="v6").status_code == 202
    ips = [call["user_ip"] for call in fake_akismet.calls("comment-check")]
    assert ips == ["198.51.100.7", "2001:db8::7"]


def test_behind_a_proxy_on_a_unix_socket_clients_are_told_apart(service_runner, fake_akismet):
    env = {**fake_akismet.env(), "NEWSROOM_RATE_LIMIT": "1", "NEWSROOM_TRUSTED_PROXIES": "unix"}
    service = service_runner.start(env, uds=True)
    answers = [post_as(service, f"198.51.100.{n}", body=f"from {n}").status_code for n in (1, 2)]
    assert answers == [202, 202]
    assert post_as(service, "198.51.100.1", body="again").status_code == 429
