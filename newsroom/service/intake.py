"""Reading a posted comment: size, content type, encoding, and every field's rules.

Each problem is reported against the field it concerns, so a form can show it in place.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

MAX_REQUEST_BYTES = 32 * 1024
MAX_ID = 2**63 - 1
LIMITS = {"thread": 200, "author": 100, "email": 254, "url": 200, "body": 5000, "nickname": 200}
FIELDS = ("thread", "author", "email", "url", "body", "parent", "nickname")
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
_EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\".]+(\.[^@\s<>\".]+)+$")


class IntakeError(Exception):
    """A request the service refuses: an HTTP status and messages by field."""

    def __init__(self, status: int, errors: dict[str, str], headers: dict | None = None):
        super().__init__(errors)
        self.status = status
        self.errors = errors
        self.headers = headers or {}


@dataclass(frozen=True)
class Submission:
    thread: str
    author: str
    email: str
    url: str
    body: str
    parent: int | None
    nickname: str  # the honeypot: people leave it empty


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def check_length(content_length: str | None) -> None:
    if content_length and content_length.isdigit() and int(content_length) > MAX_REQUEST_BYTES:
        raise too_large()


def too_large() -> IntakeError:
    return IntakeError(413, {"request": f"The request is larger than {MAX_REQUEST_BYTES} bytes."})


def parse(raw: bytes, kind: str) -> dict:
    """The posted fields as a dict, from JSON or form encoding."""
    if kind not in (JSON, FORM):
        raise IntakeError(
            415, {"request": f"Send {JSON} or {FORM}, not {kind or 'no content type'}."}
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise IntakeError(400, {"request": "The request is not valid UTF-8."}) from None
    if kind == FORM:
        return _form_fields(text)
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise IntakeError(400, {"request": f"The request is not valid JSON ({exc.msg})."}) from None
    if not isinstance(data, dict):
        raise IntakeError(400, {"request": "The request must be a JSON object of fields."})
    return data


def _form_fields(text: str) -> dict:
    data: dict = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        if key in data:
            raise IntakeError(422, {key: "This field is given more than once."})
        data[key] = value
    return data


def validate(data: dict) -> Submission:
    errors: dict[str, str] = {}
    for key in data:
        if key not in FIELDS:
            errors[str(key)[:50]] = "Unknown field."
    values = {name: _text(data, name, errors) for name in FIELDS if name != "parent"}
    for name in ("thread", "author", "email", "body"):
        if name not in errors and not values[name]:
            errors[name] = "This field is required."
    if values["email"] and "email" not in errors and not _EMAIL.match(values["email"]):
        errors["email"] = "Enter an e-mail address such as name@example.com."
    if values["url"] and "url" not in errors:
        parts = urlsplit(values["url"])
        if parts.scheme not in ("http", "https") or not parts.hostname:
            errors["url"] = "Enter a web address starting with http:// or https://."
    parent = _parent(data.get("parent"), errors)
    if errors:
        raise IntakeError(422, errors)
    return Submission(parent=parent, **values)


def _text(data: dict, name: str, errors: dict) -> str:
    value = data.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[name] = "This field must be text."
        return ""
    value = value.strip() if name != "body" else value.strip("\n\r\t ")
    if len(value) > LIMITS[name]:
        errors[name] = f"At most {LIMITS[name]} characters, please (this has {len(value)})."
    elif name != "body" and any(unicodedata.category(c) == "Cc" for c in value):
        errors[name] = "This field must not contain control characters."
    return value


def _parent(value, errors: dict) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        errors["parent"] = "The comment replied to must be a published comment's id."
        return None
    return value
