"""The service's settings: the comments' own, and what only HTTP needs."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from newsroom.comments.config import (
    ConfigError,
    Settings,
    read,
    secret,
    web_address,
    whole_number,
)
from newsroom.service.client_address import UNIX

DEFAULT_RATE_LIMIT = 5  # comments per address per minute
DEFAULT_HEADER_TIMEOUT = 30  # seconds for a request's headers (newsroom serve)
DEFAULT_BODY_TIMEOUT = 60  # seconds for its body
DEFAULT_MAX_CONNECTIONS = 1000  # at once, per process; past it uvicorn answers 503
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class ServiceSettings:
    comments: Settings = field(default_factory=Settings)
    rate_limit: int = DEFAULT_RATE_LIMIT
    # Whose X-Forwarded-For is believed; "unix": a proxy on a UNIX socket (no address).
    trusted_proxies: tuple[Network | str, ...] = ()
    allowed_origins: tuple[str, ...] = ()  # other sites whose pages may call the API
    site_dir: str = "output"  # what `newsroom serve` serves at /
    header_timeout: int = DEFAULT_HEADER_TIMEOUT
    body_timeout: int = DEFAULT_BODY_TIMEOUT
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    # Set: the API answers only requests carrying it, as CloudFront sends them, and the
    # client is CloudFront-Viewer-Address (service/cloudfront.py).
    # Two, space-separated, while the secret is being changed.
    cloudfront_secrets: tuple[str, ...] = field(default=(), repr=False)

    @property
    def believed_proxies(self) -> tuple[Network | str, ...]:
        """Whose X-Forwarded-For and X-Forwarded-Proto are believed: behind CloudFront,
        nobody's (the peer is the viewer already, cloudfront.py)."""
        return () if self.cloudfront_secrets else self.trusted_proxies

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> ServiceSettings:
        def text(name: str, default: str = "") -> str:
            return read(environ, name, default)

        comments = Settings.from_env(environ)
        comments.signer()  # the service signs tokens: no start without a key
        return cls(
            comments=comments,
            rate_limit=whole_number(
                "NEWSROOM_RATE_LIMIT", text("NEWSROOM_RATE_LIMIT"), DEFAULT_RATE_LIMIT
            ),
            trusted_proxies=_networks(text("NEWSROOM_TRUSTED_PROXIES")),
            allowed_origins=tuple(
                web_address("NEWSROOM_ALLOWED_ORIGINS", origin).rstrip("/")
                for origin in text("NEWSROOM_ALLOWED_ORIGINS").split()
            ),
            site_dir=text("NEWSROOM_SITE_DIR", "output"),
            header_timeout=_positive(
                "NEWSROOM_HEADER_TIMEOUT", text("NEWSROOM_HEADER_TIMEOUT"), DEFAULT_HEADER_TIMEOUT
            ),
            body_timeout=_positive(
                "NEWSROOM_BODY_TIMEOUT", text("NEWSROOM_BODY_TIMEOUT"), DEFAULT_BODY_TIMEOUT
            ),
            max_connections=_positive(
                "NEWSROOM_MAX_CONNECTIONS",
                text("NEWSROOM_MAX_CONNECTIONS"),
                DEFAULT_MAX_CONNECTIONS,
            ),
            cloudfront_secrets=tuple(
                secret("NEWSROOM_CLOUDFRONT_SECRET", value)
                for value in text("NEWSROOM_CLOUDFRONT_SECRET").split()
            ),
        )


def _positive(name: str, raw: str, default: int) -> int:
    value = whole_number(name, raw, default)
    if value == 0:
        raise ConfigError(f"{name} must be at least 1")
    return value


def _networks(raw: str) -> tuple[Network | str, ...]:
    networks: list[Network | str] = []
    for item in raw.replace(",", " ").split():
        if item.lower() == UNIX:
            networks.append(UNIX)
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ConfigError(
                f"NEWSROOM_TRUSTED_PROXIES: {item!r} is not an address or network"
            ) from None
    return tuple(networks)
