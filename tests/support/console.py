"""The console for tests: a service with moderators in its store, and a signed-in client."""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
import pytest

from newsroom.comments.accounts import hash_password
from tests.support.comments import new
from tests.support.service import THREAD

PASSWORD = "correct horse battery staple"
ADMIN = "editor@news.example"
MODERATOR = "mod@news.example"


@dataclass
class Console:
    running: object  # tests.support.service.RunningService

    @property
    def store(self):
        return self.running.store

    def client(self, **kwargs) -> httpx.Client:
        return self.running.client(**kwargs)

    def add_comments(self, count: int, **changes) -> list[int]:
        return [
            self.store.add(new(thread=THREAD, body=f"Comment {n}", **changes)) for n in range(count)
        ]


def sign_in_token(client: httpx.Client) -> str:
    """The sign-in form's token (asked for as a stranger: a signed-in browser is sent on)."""
    page = client.get("/moderate/login", headers={"cookie": "none=1"})
    return re.search(r'name="token" value="([^"]+)"', page.text).group(1)


def sign_in(client: httpx.Client, email: str = ADMIN, password: str = PASSWORD):
    token = sign_in_token(client)
    return client.post(
        "/moderate/login", data={"token": token, "email": email, "password": password}
    )


def csrf_of(client: httpx.Client, path: str = "/moderate/") -> str:
    page = client.get(path)
    return re.search(r'data-csrf="([^"]+)"', page.text).group(1)


def with_moderators(store) -> None:
    store.add_moderator(ADMIN, "Editor", "admin", hash_password(PASSWORD))
    store.add_moderator(MODERATOR, "Mod", "moderator", hash_password(PASSWORD))


@pytest.fixture(params=["sqlite", "postgresql"])
def console(request, service_runner, fake_akismet) -> Console:
    """The service on each store, with an admin (ADMIN) and a moderator (MODERATOR)."""
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    running = service_runner.start(fake_akismet.env(), database_url=url)
    with_moderators(running.store)
    return Console(running)
