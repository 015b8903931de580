"""Who posted: the peer, or X-Forwarded-For read from the right through trusted proxies."""

import ipaddress

import pytest

from newsroom.service.client_address import client_address

PROXIES = (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("::1/128"))


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "expected"),
    [
        ("203.0.113.9", None, PROXIES, "203.0.113.9"),
        ("203.0.113.9", "198.51.100.7", (), "203.0.113.9"),  # no proxies: header ignored
        ("203.0.113.9", "198.51.100.7", PROXIES, "203.0.113.9"),  # peer is not a proxy
        ("10.0.0.2", "198.51.100.7", PROXIES, "198.51.100.7"),
        ("10.0.0.2", "6.6.6.6, 198.51.100.7, 10.0.0.5", PROXIES, "198.51.100.7"),  # right-most
        ("10.0.0.2", "10.0.0.7, 10.0.0.5", PROXIES, "10.0.0.7"),  # only proxies: the farthest
        ("10.0.0.2", "unknown", PROXIES, "10.0.0.2"),  # garbage: the nearest proxy
        ("10.0.0.2", "198.51.100.7, unknown, 10.0.0.5", PROXIES, "10.0.0.5"),
        ("::1", "2001:db8::5", PROXIES, "2001:db8::5"),
        ("192.168.0.1/32", None, (), "192.168.0.1"),  # Lambda's sourceIp with its CIDR suffix
        (None, None, (), ""),
        ("10.0.0.2", "198.51.100.7:51234", PROXIES, "198.51.100.7"),  # a proxy adds the port
        ("10.0.0.2", "[2001:db8::5]:443", PROXIES, "2001:db8::5"),
        ("10.0.0.2", "6.6.6.6, 10.0.0.5:80", PROXIES, "6.6.6.6"),
    ],
)
def test_client_address(peer, forwarded, trusted, expected):
    assert client_address(peer, forwarded, trusted) == expected


def test_a_proxy_on_a_unix_socket_is_trusted_when_named():
    """A UNIX socket's peer has no address: "unix" in the trusted proxies believes it."""
    forwarded = "198.51.100.7"
    assert client_address(None, forwarded, (*PROXIES, "unix")) == "198.51.100.7"
    assert client_address(None, forwarded, PROXIES) == ""  # not named: unknown, as before


def test_ipv4_seen_through_a_dual_stack_socket_is_ipv4():
    proxies = (ipaddress.ip_network("127.0.0.1/32"),)
    assert client_address("::ffff:127.0.0.1", "198.51.100.7", proxies) == "198.51.100.7"
    assert client_address("::ffff:203.0.113.9", None, ()) == "203.0.113.9"
