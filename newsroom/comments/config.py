"""The comments' settings, read from the environment once and checked.

A value that cannot be used stops the service or the command at start with a message
naming the variable (ConfigError), rather than failing at the first comment. Settings
that only HTTP needs are in newsroom/service/settings.py.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from newsroom.comments.signing import Signer


MODERATION_MODES = ("all", "known", "none")
DEFAULT_DATABASE_URL = "sqlite:///var/comments.sqlite3"
DATABASE_SCHEMES = ("sqlite:///", "postgresql://", "postgres://")
DEFAULT_AKISMET_URL = "https://rest.akismet.com"
# Seconds. The library's own default is 1 s; Akismet's answers are usually far quicker,
# and a slower one leaves the comment pending and unchecked, so 3 s only spares a retry.
DEFAULT_AKISMET_TIMEOUT = 3.0
MAX_AKISMET_TIMEOUT = 60.0
DEFAULT_PERSONAL_DATA_DAYS = 30
DEFAULT_REFUSED_EMAIL_DAYS = 30
MIN_SECRET_KEY_CHARS = 32
MAKE_A_KEY = "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("", "0", "false", "no", "off")


class ConfigError(ValueError):
    """A setting with a value the service cannot use; the message names it."""


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default=DEFAULT_DATABASE_URL, repr=False)  # may hold a password
    akismet_key: str = field(default="", repr=False)  # a secret: never logged
    akismet_blog_url: str = ""
    akismet_url: str = DEFAULT_AKISMET_URL
    akismet_timeout: float = DEFAULT_AKISMET_TIMEOUT
    akismet_is_test: bool = False
    moderation: str = "all"
    threads_path: str = "output/threads.json"
    smtp_url: str = field(default="", repr=False)  # may carry a password
    smtp_ca_file: str = ""  # authorities for the SMTP server's certificate, if not the system's
    moderator_email: str = ""
    mail_from: str = ""  # the sender of readers' mail (reader_mail.py); unset: none is sent
    personal_data_days: int = DEFAULT_PERSONAL_DATA_DAYS
    refused_email_days: int = DEFAULT_REFUSED_EMAIL_DAYS
    secret_key: str = field(default="", repr=False)  # signs tokens, keys hashes
    site_url: str = ""  # the public site, when not the one the build wrote in threads.json
    console_url: str = ""  # the console, for mail links; default: the site's /moderate
    service_url: str = ""  # the comment service, for readers' mail links; default: the site
    publish_to: str = ""  # the built site: a folder or s3://bucket/prefix ("off": no publishing)
    cloudfront_distribution: str = ""  # told of the files a publish changed

    @property
    def publish_target(self) -> str:
        """Where publishes write: NEWSROOM_PUBLISH_TO, else the folder of threads.json
        (the build wrote both); "" when publishing is off."""
        if self.publish_to == "off":
            return ""
        return self.publish_to or os.path.dirname(self.threads_path) or "."

    @property
    def akismet_configured(self) -> bool:
        return bool(self.akismet_key and self.akismet_blog_url)

    def signer(self) -> Signer:
        """The signer of tokens and keyed hashes; a ConfigError without a key."""
        if not self.secret_key:
            raise ConfigError(
                "NEWSROOM_SECRET_KEY must be set: it signs tokens and keys hashes "
                f"(make one with {MAKE_A_KEY})"
            )
        from newsroom.comments.signing import Signer

        return Signer(self.secret_key)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        def text(name: str, default: str = "") -> str:
            return read(environ, name, default)

        key, blog_url = text("PYTHON_AKISMET_API_KEY"), text("PYTHON_AKISMET_BLOG_URL")
        if bool(key) != bool(blog_url):
            missing = "PYTHON_AKISMET_BLOG_URL" if key else "PYTHON_AKISMET_API_KEY"
            raise ConfigError(f"Akismet needs both a key and a blog URL: set {missing} too")
        return cls(
            database_url=_database_url(text("NEWSROOM_DATABASE_URL", DEFAULT_DATABASE_URL)),
            akismet_key=key,
            akismet_blog_url=web_address("PYTHON_AKISMET_BLOG_URL", blog_url),
            akismet_url=_akismet_url(text("NEWSROOM_AKISMET_URL", DEFAULT_AKISMET_URL)),
            akismet_timeout=_timeout(text("PYTHON_AKISMET_TIMEOUT")),
            akismet_is_test=_flag("NEWSROOM_AKISMET_IS_TEST", text("NEWSROOM_AKISMET_IS_TEST")),
            moderation=_moderation(text("NEWSROOM_MODERATION", "all").lower()),
            threads_path=text("NEWSROOM_THREADS", "output/threads.json"),
            smtp_url=_smtp_url(text("NEWSROOM_SMTP_URL")),
            smtp_ca_file=_readable_file("NEWSROOM_SMTP_CA_FILE", text("NEWSROOM_SMTP_CA_FILE")),
            moderator_email=_email("NEWSROOM_MODERATOR_EMAIL", text("NEWSROOM_MODERATOR_EMAIL")),
            mail_from=_email("NEWSROOM_MAIL_FROM", text("NEWSROOM_MAIL_FROM")),
            refused_email_days=whole_number(
                "NEWSROOM_REFUSED_EMAIL_DAYS",
                text("NEWSROOM_REFUSED_EMAIL_DAYS"),
                DEFAULT_REFUSED_EMAIL_DAYS,
            ),
            secret_key=secret("NEWSROOM_SECRET_KEY", text("NEWSROOM_SECRET_KEY")),
            site_url=web_address("NEWSROOM_SITE_URL", text("NEWSROOM_SITE_URL")).rstrip("/"),
            console_url=web_address("NEWSROOM_CONSOLE_URL", text("NEWSROOM_CONSOLE_URL")).rstrip(
                "/"
            ),
            service_url=web_address("NEWSROOM_SERVICE_URL", text("NEWSROOM_SERVICE_URL")).rstrip(
                "/"
            ),
            publish_to=_publish_to(text("NEWSROOM_PUBLISH_TO")),
            cloudfront_distribution=_distribution(text("NEWSROOM_CLOUDFRONT_DISTRIBUTION")),
            personal_data_days=whole_number(
                "NEWSROOM_PERSONAL_DATA_DAYS",
                text("NEWSROOM_PERSONAL_DATA_DAYS"),
                DEFAULT_PERSONAL_DATA_DAYS,
            ),
        )


def read(environ: Mapping[str, str], name: str, default: str = "") -> str:
    """A variable's value without surrounding white space; empty is unset."""
    return environ.get(name, "").strip() or default


def secret(name: str, value: str) -> str:
    """A secret (a key, a shared header value): long enough, and never repeated."""
    if value and len(value) < MIN_SECRET_KEY_CHARS:
        raise ConfigError(
            f"{name} must have at least {MIN_SECRET_KEY_CHARS} random characters, "
            f"not {len(value)} (make one with {MAKE_A_KEY})"
        )
    return value


def _publish_to(value: str) -> str:
    if value.startswith("s3://") and not value.removeprefix("s3://").split("/")[0]:
        raise ConfigError(
            "NEWSROOM_PUBLISH_TO: name the bucket, as s3://bucket or s3://bucket/prefix"
        )
    if "://" in value and not value.startswith("s3://"):
        raise ConfigError("NEWSROOM_PUBLISH_TO must be a folder, s3://bucket[/prefix], or off")
    return value


def _distribution(value: str) -> str:
    if value and not (value.isascii() and value.isalnum() and value.isupper()):
        raise ConfigError(
            "NEWSROOM_CLOUDFRONT_DISTRIBUTION must be a distribution's id, such as E2QWRUHAPOMQZL"
        )
    return value


def _moderation(value: str) -> str:
    if value not in MODERATION_MODES:
        raise ConfigError(
            f"NEWSROOM_MODERATION must be one of {', '.join(MODERATION_MODES)}, not {value!r}"
        )
    return value


def _database_url(value: str) -> str:
    if not value.startswith(DATABASE_SCHEMES):
        # The URL may hold a password: name its scheme only.
        scheme = value.split(":", 1)[0]
        raise ConfigError(
            "NEWSROOM_DATABASE_URL must start with sqlite:/// or postgresql://, "
            f"not {scheme + ':' if ':' in value else repr(scheme[:20])}"
        )
    return value


def web_address(name: str, value: str) -> str:
    if not value:
        return value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{name} must be an http:// or https:// address, not {value!r}")
    return value


def _akismet_url(value: str) -> str:
    """Every request carries the API key: plain http only to this machine (a test fake)."""
    web_address("NEWSROOM_AKISMET_URL", value)
    parts = urlsplit(value)
    if parts.scheme == "http" and not is_loopback(parts.hostname or ""):
        raise ConfigError(
            "NEWSROOM_AKISMET_URL must be an https:// address (http:// only on loopback, "
            f"where the API key stays on this machine), not {value!r}"
        )
    return value


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _timeout(raw: str) -> float:
    if not raw:
        return DEFAULT_AKISMET_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(
            f"PYTHON_AKISMET_TIMEOUT must be a number of seconds, not {raw!r}"
        ) from None
    if not 0 < value <= MAX_AKISMET_TIMEOUT:
        raise ConfigError(
            f"PYTHON_AKISMET_TIMEOUT must be more than 0 and at most {MAX_AKISMET_TIMEOUT:g} "
            f"seconds, not {raw}"
        )
    return value


def whole_number(name: str, raw: str, default: int) -> int:
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if value < 0:
        raise ConfigError(f"{name} must not be negative, not {value}")
    return value


def _flag(name: str, raw: str) -> bool:
    word = raw.lower()
    if word not in TRUE_WORDS + FALSE_WORDS:
        raise ConfigError(f"{name} must be 1 or 0 (true/false, yes/no, on/off), not {raw!r}")
    return word in TRUE_WORDS


def _smtp_url(value: str) -> str:
    if value and (urlsplit(value).scheme not in ("smtp", "smtps") or not urlsplit(value).hostname):
        # May carry a password: not repeated in the message.
        raise ConfigError("NEWSROOM_SMTP_URL must look like smtp://host:port or smtps://host")
    return value


def _readable_file(name: str, value: str) -> str:
    if value and not os.access(value, os.R_OK):
        raise ConfigError(f"{name} is not a readable file: {value!r}")
    return value


def _email(name: str, value: str) -> str:
    if value and ("@" not in value.strip("@") or any(c.isspace() for c in value)):
        raise ConfigError(f"{name} must be an e-mail address, not {value!r}")
    return value
