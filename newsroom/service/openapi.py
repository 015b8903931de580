"""The OpenAPI document of the comment API, served at /api/openapi.json."""

from __future__ import annotations

from newsroom.service.intake import LIMITS, MAX_ID


def _errors(description: str, form_page: bool = False) -> dict:
    """Errors by field as JSON; a form post gets the form back as a page instead."""
    content = {"application/json": {"schema": ERRORS}}
    if form_page:
        content["text/html"] = {"schema": {"type": "string"}}
    return {"description": description, "content": content}


ERRORS = {
    "type": "object",
    "required": ["errors"],
    "properties": {"errors": {"type": "object", "additionalProperties": {"type": "string"}}},
    "additionalProperties": False,
}

NEW_COMMENT = {
    "type": "object",
    "required": ["thread", "author", "email", "body"],
    "additionalProperties": False,
    "properties": {
        "thread": {"type": "string", "minLength": 1, "maxLength": LIMITS["thread"]},
        "author": {"type": "string", "minLength": 1, "maxLength": LIMITS["author"]},
        "email": {"type": "string", "format": "email", "maxLength": LIMITS["email"]},
        "url": {"type": "string", "maxLength": LIMITS["url"], "description": "http(s) only"},
        "body": {"type": "string", "minLength": 1, "maxLength": LIMITS["body"]},
        "parent": {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_ID},
        "nickname": {
            "type": "string",
            "maxLength": LIMITS["nickname"],
            "description": "honeypot: people leave it empty",
        },
    },
}

PUBLIC_COMMENT = {
    "type": "object",
    "required": ["id", "parent", "author", "url", "body_html", "created"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "integer"},
        "parent": {"type": ["integer", "null"]},
        "author": {"type": "string"},
        "url": {"type": "string"},
        "body_html": {"type": "string", "description": "sanitised HTML"},
        "created": {"type": "string", "format": "date-time"},
    },
}

THREAD_QUERY = {
    "name": "thread",
    "in": "query",
    "required": True,
    "schema": {"type": "string", "minLength": 1, "maxLength": LIMITS["thread"]},
}


def document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Newsroom comments", "version": "1"},
        "paths": {
            "/api/comments": {"post": _post(), "get": _list()},
            "/api/comments/counts": {"get": _counts()},
            "/api/comments/form": {"get": _form()},
            "/api/health": {"get": _health()},
        },
    }


def _post() -> dict:
    accepted = {
        "type": "object",
        "required": ["id", "status"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "integer"},
            "status": {"type": "string", "enum": ["pending", "approved"]},
        },
    }
    return {
        "summary": "Post a comment; it is checked by Akismet and held for moderation.",
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": NEW_COMMENT},
                "application/x-www-form-urlencoded": {"schema": NEW_COMMENT},
                "multipart/form-data": {"schema": NEW_COMMENT},
            },
        },
        "responses": {
            "202": {
                "description": "Stored (spam and dropped comments get the same answer)",
                "content": {"application/json": {"schema": accepted}},
            },
            "303": {
                "description": "A form post: back to the article, at #comment-pending or "
                "#comment-published",
                "headers": {"Location": {"schema": {"type": "string"}, "required": True}},
            },
            "400": _errors("The request cannot be read", form_page=True),
            "409": _errors("The same comment was posted already", form_page=True),
            "413": _errors("The request is too large", form_page=True),
            "415": _errors("Not JSON or form-encoded", form_page=True),
            "422": _errors("A field breaks its rule", form_page=True),
            "429": _errors("Too many comments from this address", form_page=True),
            "503": _errors("The store cannot save comments right now", form_page=True),
        },
    }


def _list() -> dict:
    listing = {
        "type": "object",
        "required": ["thread", "count", "comments"],
        "additionalProperties": False,
        "properties": {
            "thread": {"type": "string"},
            "count": {"type": "integer", "minimum": 0},
            "comments": {"type": "array", "items": PUBLIC_COMMENT},
        },
    }
    return {
        "summary": "The published comments of a thread, oldest first",
        "parameters": [THREAD_QUERY],
        "responses": {
            "200": {"description": "Published comments", "content": _json(listing)},
            "400": _errors("No thread given"),
            "503": _errors("The store does not answer"),
        },
    }


def _counts() -> dict:
    counts = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}
    parameter = {
        "name": "thread",
        "in": "query",
        "required": True,
        "style": "form",
        "explode": True,
        "schema": {
            "type": "array",
            "minItems": 1,
            "maxItems": 100,
            "items": {"type": "string", "minLength": 1, "maxLength": LIMITS["thread"]},
        },
    }
    return {
        "summary": "Published comment counts by thread",
        "parameters": [parameter],
        "responses": {
            "200": {"description": "Counts", "content": _json(counts)},
            "400": _errors("No thread, or too many"),
            "503": _errors("The store does not answer"),
        },
    }


def _form() -> dict:
    parent = {"name": "parent", "in": "query", "schema": {"type": "string", "pattern": "^[0-9]*$"}}
    return {
        "summary": "The comment form as a page, for replies without JavaScript",
        "parameters": [THREAD_QUERY, parent],
        "responses": {
            "200": {"description": "The form", "content": {"text/html": {"schema": {}}}},
            "400": _errors("No such thread or comment"),
        },
    }


def _health() -> dict:
    status = {
        "type": "object",
        "required": ["status"],
        "properties": {"status": {"type": "string"}},
    }
    return {
        "summary": "Whether the store answers",
        "responses": {
            "200": {"description": "Healthy", "content": _json(status)},
            "503": {"description": "The store does not answer", "content": _json(status)},
        },
    }


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}
