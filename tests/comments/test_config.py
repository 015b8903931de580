"""The comments' settings from the environment: defaults, every variable parsed, bad values
named."""

import pytest

from newsroom.comments.config import ConfigError, Settings


def test_defaults():
    settings = Settings.from_env({})
    assert settings.database_url == "sqlite:///var/comments.sqlite3"
    assert settings.akismet_url == "https://rest.akismet.com"
    assert settings.akismet_timeout == 3.0
    assert settings.moderation == "all"
    assert settings.threads_path == "output/threads.json"
    assert settings.personal_data_days == 30
    assert not settings.akismet_configured
    assert not settings.akismet_is_test


def test_every_variable():
    settings = Settings.from_env(
        {
            "NEWSROOM_DATABASE_URL": "postgresql://u:secret@db/news",
            "PYTHON_AKISMET_API_KEY": "k123",
            "PYTHON_AKISMET_BLOG_URL": "https://news.example/",
            "PYTHON_AKISMET_TIMEOUT": "0.5",
            "NEWSROOM_AKISMET_URL": "http://127.0.0.1:9999",
            "NEWSROOM_AKISMET_IS_TEST": "yes",
            "NEWSROOM_MODERATION": " Known ",
            "NEWSROOM_THREADS": "/srv/threads.json",
            "NEWSROOM_SMTP_URL": "smtp://mail:pw@127.0.0.1:2525",
            "NEWSROOM_MODERATOR_EMAIL": "desk@news.example",
            "NEWSROOM_PERSONAL_DATA_DAYS": "7",
        }
    )
    assert settings.database_url == "postgresql://u:secret@db/news"
    assert settings.akismet_configured
    assert (settings.akismet_timeout, settings.akismet_url) == (0.5, "http://127.0.0.1:9999")
    assert settings.akismet_is_test
    assert settings.moderation == "known"
    assert settings.threads_path == "/srv/threads.json"
    assert settings.moderator_email == "desk@news.example"
    assert settings.personal_data_days == 7
    shown = repr(settings)
    for secret in ("k123", "secret", ":pw@"):
        assert secret not in shown


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("NEWSROOM_MODERATION", "sometimes", "one of all, known, none"),
        ("NEWSROOM_PERSONAL_DATA_DAYS", "a month", "whole number"),
        ("PYTHON_AKISMET_TIMEOUT", "soon", "number of seconds"),
        ("PYTHON_AKISMET_TIMEOUT", "0", "more than 0"),
        ("PYTHON_AKISMET_TIMEOUT", "600", "at most 60"),
        ("NEWSROOM_AKISMET_IS_TEST", "maybe", "1 or 0"),
        ("NEWSROOM_AKISMET_URL", "rest.akismet.com", "http:// or https://"),
        # The API key travels in every request: in clear only to this machine.
        ("NEWSROOM_AKISMET_URL", "http://rest.akismet.com", "https://"),
        ("NEWSROOM_AKISMET_URL", "http://10.0.0.5:8080", "https://"),
        ("NEWSROOM_DATABASE_URL", "mysql://root:pw@db/x", "sqlite:/// or postgresql://"),
        ("NEWSROOM_SMTP_URL", "mail.example:25", "smtp://"),
        ("NEWSROOM_MODERATOR_EMAIL", "desk", "e-mail address"),
        ("NEWSROOM_SMTP_CA_FILE", "/no/such/ca.pem", "not a readable file"),
    ],
)
def test_bad_values_are_named(name, value, message):
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({name: value})
    assert name in str(raised.value)
    assert message in str(raised.value)


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:9999", "http://localhost:8000/", "http://[::1]:80", "https://a.example"],
)
def test_akismet_in_clear_only_on_loopback(url):
    assert Settings.from_env({"NEWSROOM_AKISMET_URL": url}).akismet_url == url


def test_secrets_are_not_repeated_in_errors():
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({"NEWSROOM_DATABASE_URL": "mysql://root:hunter2@db/x"})
    assert "hunter2" not in str(raised.value)
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({"NEWSROOM_SMTP_URL": "mail://u:hunter2@x"})
    assert "hunter2" not in str(raised.value)


@pytest.mark.parametrize(
    "env",
    [{"PYTHON_AKISMET_API_KEY": "k"}, {"PYTHON_AKISMET_BLOG_URL": "https://news.example/"}],
)
def test_akismet_needs_both_key_and_blog_url(env):
    with pytest.raises(ConfigError, match="both a key and a blog URL"):
        Settings.from_env(env)
