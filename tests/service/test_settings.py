"""The service's own settings (HTTP only) from the environment, with the comments' inside."""

import ipaddress

import pytest

from newsroom.comments.config import ConfigError
from newsroom.service.settings import ServiceSettings
from tests.support.service import TEST_SECRET_KEY

KEY = {"NEWSROOM_SECRET_KEY": TEST_SECRET_KEY}


def test_defaults():
    settings = ServiceSettings.from_env(KEY)
    assert settings.rate_limit == 5
    assert settings.trusted_proxies == ()
    assert settings.allowed_origins == ()
    assert settings.site_dir == "output"
    assert settings.comments.moderation == "all"


def test_every_variable():
    settings = ServiceSettings.from_env(
        {
            **KEY,
            "NEWSROOM_DATABASE_URL": "postgresql://u:secret@db/news",
            "PYTHON_AKISMET_API_KEY": "k123",
            "PYTHON_AKISMET_BLOG_URL": "https://news.example/",
            "NEWSROOM_SMTP_URL": "smtp://mail:pw@127.0.0.1:2525",
            "NEWSROOM_RATE_LIMIT": "0",
            "NEWSROOM_TRUSTED_PROXIES": "10.0.0.0/8, 127.0.0.1 ::1",
            "NEWSROOM_SITE_DIR": "/srv/site",
            "NEWSROOM_ALLOWED_ORIGINS": "https://news.example/ https://www.news.example",
        }
    )
    assert settings.rate_limit == 0
    assert ipaddress.ip_address("10.1.2.3") in settings.trusted_proxies[0]
    assert len(settings.trusted_proxies) == 3
    assert settings.site_dir == "/srv/site"
    assert settings.allowed_origins == ("https://news.example", "https://www.news.example")
    assert settings.comments.akismet_configured
    shown = repr(settings)
    for secret in ("k123", "secret", ":pw@", TEST_SECRET_KEY):
        assert secret not in shown


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("NEWSROOM_RATE_LIMIT", "five", "whole number"),
        ("NEWSROOM_RATE_LIMIT", "2.5", "whole number"),
        ("NEWSROOM_RATE_LIMIT", "-1", "negative"),
        ("NEWSROOM_TRUSTED_PROXIES", "10.0.0.0/8 proxy.local", "'proxy.local'"),
        ("NEWSROOM_ALLOWED_ORIGINS", "news.example", "http:// or https://"),
        ("NEWSROOM_MODERATION", "sometimes", "one of all, known, none"),
    ],
)
def test_bad_values_are_named(name, value, message):
    with pytest.raises(ConfigError) as raised:
        ServiceSettings.from_env({**KEY, name: value})
    assert name in str(raised.value)
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("env", "message"),
    [({}, "NEWSROOM_SECRET_KEY must be set"), ({"NEWSROOM_SECRET_KEY": "short"}, "at least 32")],
)
def test_the_service_needs_a_secret_key(env, message):
    with pytest.raises(ConfigError, match=message) as raised:
        ServiceSettings.from_env(env)
    assert "short" not in str(raised.value)  # the key is never repeated
