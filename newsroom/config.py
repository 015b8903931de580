"""The comment service's settings, read from the environment once and checked."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

MODERATION_MODES = ("all", "known", "none")
DEFAULT_DATABASE_URL = "sqlite:///var/comments.sqlite3"
DEFAULT_AKISMET_URL = "https://rest.akismet.com"
DEFAULT_RATE_LIMIT = 5  # comments per address per minute
DEFAULT_AKISMET_TIMEOUT = 3.0  # seconds; a slow Akismet leaves the comment unchecked


class ConfigError(ValueError):
    """A setting with a value the service cannot use; the message names it."""


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    akismet_key: str = field(default="", repr=False)  # a secret: never logged
    akismet_blog_url: str = ""
    akismet_url: str = DEFAULT_AKISMET_URL
    akismet_timeout: float = DEFAULT_AKISMET_TIMEOUT
    akismet_is_test: bool = False
    moderation: str = "all"
    rate_limit: int = DEFAULT_RATE_LIMIT
    trusted_proxies: tuple = ()
    threads_path: str = "output/threads.json"
    site_dir: str = "output"
    smtp_url: str = field(default="", repr=False)  # may carry a password
    moderator_email: str = ""
    personal_data_days: int = 30
    allowed_origins: tuple[str, ...] = ()

    @property
    def akismet_configured(self) -> bool:
        return bool(self.akismet_key and self.akismet_blog_url)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        get = environ.get
        moderation = get("NEWSROOM_MODERATION", "all").strip().lower()
        if moderation not in MODERATION_MODES:
            raise ConfigError(
                f"NEWSROOM_MODERATION must be one of {', '.join(MODERATION_MODES)}, "
                f"not {moderation!r}"
            )
        return cls(
            database_url=get("NEWSROOM_DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL,
            akismet_key=get("PYTHON_AKISMET_API_KEY", "").strip(),
            akismet_blog_url=get("PYTHON_AKISMET_BLOG_URL", "").strip(),
            akismet_url=(get("NEWSROOM_AKISMET_URL", "").strip() or DEFAULT_AKISMET_URL),
            akismet_timeout=_number(environ, "PYTHON_AKISMET_TIMEOUT", DEFAULT_AKISMET_TIMEOUT),
            akismet_is_test=get("NEWSROOM_AKISMET_IS_TEST", "").strip() in ("1", "true", "yes"),
            moderation=moderation,
            rate_limit=int(_number(environ, "NEWSROOM_RATE_LIMIT", DEFAULT_RATE_LIMIT, whole=True)),
            trusted_proxies=_networks(get("NEWSROOM_TRUSTED_PROXIES", "")),
            threads_path=get("NEWSROOM_THREADS", "").strip() or "output/threads.json",
            site_dir=get("NEWSROOM_SITE_DIR", "").strip() or "output",
            smtp_url=get("NEWSROOM_SMTP_URL", "").strip(),
            moderator_email=get("NEWSROOM_MODERATOR_EMAIL", "").strip(),
            personal_data_days=int(_number(environ, "NEWSROOM_PERSONAL_DATA_DAYS", 30, whole=True)),
            allowed_origins=tuple(get("NEWSROOM_ALLOWED_ORIGINS", "").split()),
        )


def _number(environ, name: str, default: float, whole: bool = False) -> float:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw) if whole else float(raw)
    except ValueError:
        kind = "a whole number" if whole else "a number"
        raise ConfigError(f"{name} must be {kind}, not {raw!r}") from None
    if value < 0:
        raise ConfigError(f"{name} must not be negative")
    return value


def _networks(raw: str) -> tuple:
    networks = []
    for item in raw.replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ConfigError(f"NEWSROOM_TRUSTED_PROXIES: {item!r} is not an address") from None
    return tuple(networks)
