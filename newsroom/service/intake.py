"""Reading a posted comment: size, content type, encoding, and every field's rules.

Each problem is reported against the field it concerns, so a form can show it in place.
"""

from __future__ import annotations

import json
import re
from email import policy
from email.parser import BytesParser
from urllib.parse import parse_qsl, urlsplit

from newsroom.comments.model import (
    CONTROLS,
    CONTROLS_BUT_LINES,
    MAX_ID,
    POSTED,
    Field,
    Submission,
)

MAX_REQUEST_BYTES = 32 * 1024
MAX_CONTENT_TYPE_CHARS = 200  # "multipart/form-data; boundary=" and up to 70 more
# RFC 2046: a boundary is 1 to 70 characters of a small set, quoted or not.
_BOUNDARY = re.compile(
    r'boundary=(?:"([0-9A-Za-z\'()+_,\-./:=? ]{1,70})"|([0-9A-Za-z\'()+_,\-./:=?]{1,70}))', re.I
)
KNOWN = frozenset({*(field.name for field in POSTED), "parent"})
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
FORMS = (FORM, MULTIPART)  # what a browser's form posts
# No list separators or comments either: "a,b@x.org" would be two recipients in a To header.
_EMAIL = re.compile(r"^[^@\s<>\",;:()\[\]\\]+@[^@\s<>\".,;:()\[\]\\]+(\.[^@\s<>\".,;:()\[\]\\]+)+$")


class IntakeError(Exception):
    """A request the service refuses: an HTTP status and messages by field."""

    def __init__(self, status: int, errors: dict[str, str], headers: dict | None = None):
        super().__init__(errors)
        self.status = status
        self.errors = errors
        self.headers = headers or {}


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def check_length(content_length: str | None) -> None:
    if content_length and content_length.isdigit() and int(content_length) > MAX_REQUEST_BYTES:
        raise too_large()


def too_large() -> IntakeError:
    return IntakeError(413, {"request": f"The request is larger than {MAX_REQUEST_BYTES} bytes."})


def check_content_type(content_type: str) -> None:
    if len(content_type) > MAX_CONTENT_TYPE_CHARS:
        raise IntakeError(400, {"request": "The Content-Type header is too long."})


def check_media_type(kind: str) -> None:
    if kind not in (JSON, *FORMS):
        raise IntakeError(
            415,
            {"request": f"Send {JSON}, {FORM} or {MULTIPART}, not {kind or 'no content type'}."},
        )


def parse(raw: bytes, content_type: str) -> dict:
    """The posted fields as a dict, from JSON, form encoding or multipart form data."""
    kind = media_type(content_type)
    check_media_type(kind)
    if kind == MULTIPART:
        return _multipart_fields(raw, content_type)
    text = _utf8(raw)
    if kind == FORM:
        return _form_fields(text)
    try:
        data = json.loads(text)
    except RecursionError:  # nesting deeper than the parser's stack: not a comment
        raise IntakeError(400, {"request": "The request nests values too deeply."}) from None
    except json.JSONDecodeError as exc:
        raise IntakeError(400, {"request": f"The request is not valid JSON ({exc.msg})."}) from None
    except ValueError as exc:  # e.g. a number too long to convert
        raise IntakeError(400, {"request": f"The request is not valid JSON ({exc})."}) from None
    if not isinstance(data, dict):
        raise IntakeError(400, {"request": "The request must be a JSON object of fields."})
    if not all(_is_unicode(item) for pair in data.items() for item in pair):
        # JSON's \ud800 escapes can spell text that no store or answer can encode.
        raise IntakeError(
            400, {"request": "The request holds text that is not Unicode (a lone surrogate)."}
        )
    return data


def _is_unicode(value) -> bool:
    if not isinstance(value, str):
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _utf8(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise IntakeError(400, {"request": "The request is not valid UTF-8."}) from None


def _form_fields(text: str) -> dict:
    return _unique(parse_qsl(text, keep_blank_values=True))


def _unique(pairs) -> dict:
    data: dict = {}
    for key, value in pairs:
        if key in data:
            raise IntakeError(422, {str(key)[:50]: "This field is given more than once."})
        data[key] = value
    return data


def _multipart_fields(raw: bytes, content_type: str) -> dict:
    """Text fields of multipart/form-data (the body is already at most 32 KiB).

    The standard library's MIME parser reads it: no files are taken, only named fields.
    It is given the boundary alone, never the client's whole Content-Type (its parameter
    parsing takes seconds over a long one); the caller runs this off the event loop.
    """
    found = _BOUNDARY.search(content_type)
    if found is None:
        raise IntakeError(400, {"request": "The multipart form data names no boundary."})
    boundary = found.group(1) or found.group(2)
    head = (
        f'Content-Type: multipart/form-data; boundary="{boundary}"\r\nMIME-Version: 1.0\r\n\r\n'
    ).encode("latin-1", "replace")
    message = BytesParser(policy=policy.HTTP).parsebytes(head + raw)
    if not message.is_multipart() or message.defects:
        raise IntakeError(400, {"request": "The multipart form data cannot be read."})
    pairs = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str) or part.is_multipart():
            raise IntakeError(400, {"request": "Every part of the form must be a named field."})
        if part.get_filename() is not None:
            raise IntakeError(422, {name[:50]: "Files are not accepted."})
        payload = part.get_payload(decode=True)
        pairs.append((name, _utf8(payload if isinstance(payload, bytes) else b"")))
    return _unique(pairs)


def validate(data: dict) -> Submission:
    errors: dict[str, str] = {}
    for key in data:
        if key not in KNOWN:
            errors[str(key)[:50]] = "Unknown field."
    texts = [field for field in POSTED if field.input != "checkbox"]
    values: dict = {field.name: _text(data, field, errors) for field in texts}
    for field in texts:
        value = values[field.name]
        if field.name in errors:
            continue
        if field.required and not value:
            errors[field.name] = "This field is required."
        elif problem := _form_problem(field, value):
            errors[field.name] = problem
    for field in POSTED:
        if field.input == "checkbox":
            values[field.name] = _ticked(data.get(field.name), field.name, errors)
    parent = _parent(data.get("parent"), errors)
    if errors:
        raise IntakeError(422, errors)
    return Submission(parent=parent, **values)


def _text(data: dict, field: Field, errors: dict) -> str:
    name = field.name
    value = data.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[name] = "This field must be text."
        return ""
    value = value.strip("\n\r\t ") if field.multiline else value.strip()
    if len(value) > field.limit:
        errors[name] = f"At most {field.limit} characters, please (this has {len(value)})."
    elif (CONTROLS_BUT_LINES if field.multiline else CONTROLS).search(value):
        errors[name] = "This field must not contain control characters."
    return value


# What a box's field may hold: JSON's true and false, or a form's text (a browser sends
# "on" for a ticked box and nothing for an unticked one).
TICKED = {
    True: True, False: False, None: False, "": False, "on": True, "true": True, "1": True,
    "yes": True, "off": False, "false": False, "0": False, "no": False,
}  # fmt: skip


def ticked(value) -> bool | None:
    """What a box's posted value says (None: not a box's value)."""
    key = value.strip().lower() if isinstance(value, str) else value
    if isinstance(key, bool | None | str) and key in TICKED:
        return TICKED[key]
    return None


def _ticked(value, name: str, errors: dict) -> bool:
    said = ticked(value)
    if said is None:
        errors[name] = "This box takes true or false (a form sends on, or nothing)."
    return bool(said)


def _form_problem(field: Field, value: str) -> str:
    """What is wrong with an e-mail or web address, by the field's input type."""
    if not value:
        return ""
    if field.input == "email" and not _EMAIL.match(value):
        return "Enter an e-mail address such as name@example.com."
    if field.input == "url":
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return "Enter a web address starting with http:// or https://."
    return ""


def _parent(value, errors: dict) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        errors["parent"] = "The comment replied to must be a published comment's id."
        return None
    return value
