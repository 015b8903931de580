"""Who is posting: the connection's address, or X-Forwarded-For from a trusted proxy.

The first X-Forwarded-For entry is whatever the client wrote; only entries added by our
own proxies can be believed, so the address is the right-most one that is not a proxy.
An empty address means unknown (a UNIX socket, a proxy that says nothing).
"""

from __future__ import annotations

import ipaddress

UNKNOWN = "unknown"  # the one rate-limit group of every client whose address is unknown
UNIX = "unix"  # in the trusted proxies: a peer with no address (a proxy on a UNIX socket)


def client_address(peer: str | None, forwarded_for: str | None, trusted: tuple) -> str:
    address = _normal(_clean(peer))
    if not trusted or not forwarded_for or not is_trusted(address, trusted):
        return address
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        hop = _normal(_without_port(_clean(hop)))
        if not _is_address(hop):
            return address  # "unknown" or worse: the nearest proxy is all we know
        if not is_trusted(hop, trusted):
            return hop
        address = hop
    return address


def _clean(value: str | None) -> str:
    """The bare address of a peer as ASGI hosts report it.

    Lambda's sample events carry "192.168.0.1/32"; behind an ALB, Mangum passes on the
    whole X-Forwarded-For, whose last entry is the one the load balancer added.
    """
    return (value or "").split(",")[-1].split("/")[0].strip()


def address_group(address: str) -> str:
    """What the rate limit counts: the address; for IPv6 its /64 (one subscriber's
    network, where each device picks many addresses); UNKNOWN when there is none."""
    if not address:
        return UNKNOWN
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:  # ::ffff:203.0.113.9 is that IPv4 client
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _without_port(hop: str) -> str:
    """Some proxies write ``ip:port`` or ``[ipv6]:port``."""
    if hop.startswith("["):
        return hop[1:].split("]", 1)[0]
    if hop.count(":") == 1:
        return hop.split(":", 1)[0]
    return hop


def _is_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _normal(address: str) -> str:
    """An IPv4 client seen through a dual-stack socket (::ffff:a.b.c.d) as plain IPv4."""
    if address.startswith("::ffff:") or address.startswith("::FFFF:"):
        try:
            mapped = ipaddress.IPv6Address(address).ipv4_mapped
        except ValueError:
            return address
        return str(mapped) if mapped else address
    return address


def is_trusted(address: str, trusted: tuple) -> bool:
    if not address:
        return UNIX in trusted
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted if not isinstance(network, str))
