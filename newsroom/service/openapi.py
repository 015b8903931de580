"""The OpenAPI document of the comment API, served at /api/openapi.json."""

from __future__ import annotations

import types
from datetime import datetime
from typing import Any, Union, get_args, get_origin, get_type_hints

from newsroom.comments.model import (
    LIMITS,
    MAX_ID,
    POSTED,
    PUBLIC_JSON,
    TOLD,
    Field,
    PublishedComment,
)
from newsroom.service.intake import TICKED


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


def _posted(field: Field) -> dict[str, Any]:
    if field.input == "checkbox":
        return {
            "type": ["boolean", "string", "null"],
            "enum": list(TICKED),
            "default": False,
            "description": f"{field.label} (a form sends on; only a confirmed address gets mail)",
        }
    schema: dict[str, Any] = {"type": "string", "maxLength": field.limit}
    if field.required:
        schema["minLength"] = 1
    if field.input == "email":
        schema["format"] = "email"
    elif field.input == "url":
        schema["description"] = "http(s) only"
    elif field.input == "honeypot":
        schema["description"] = "honeypot: people leave it empty"
    return schema


NEW_COMMENT = {
    "type": "object",
    "required": [field.name for field in POSTED if field.required],
    "additionalProperties": False,
    "properties": {
        **{field.name: _posted(field) for field in POSTED},
        "parent": {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_ID},
    },
}


def _json_type(annotation: Any) -> dict[str, Any]:
    """A JSON schema for a record's attribute, from its type."""
    if get_origin(annotation) in (Union, types.UnionType):
        kinds = [_json_type(arg)["type"] for arg in get_args(annotation)]
        return {"type": kinds}
    if annotation is type(None):
        return {"type": "null"}
    if annotation is datetime:
        return {"type": "string", "format": "date-time"}
    return {"type": {bool: "boolean", int: "integer", str: "string"}[annotation]}


def _public_comment() -> dict[str, Any]:
    types_by_name = get_type_hints(PublishedComment)
    properties = {name: _json_type(types_by_name[name]) for name in PUBLIC_JSON}
    properties["body_html"]["description"] = "sanitised HTML"
    return {
        "type": "object",
        "required": list(PUBLIC_JSON),
        "additionalProperties": False,
        "properties": properties,
    }


PUBLIC_COMMENT = _public_comment()

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
        "required": ["id", "status", "author_token"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "integer"},
            "status": {"type": "string", "enum": list(TOLD)},
            "author_token": {
                "type": "string",
                "description": "proof for the poster's next post, sent back as the "
                "Newsroom-Author header (moderation 'known')",
            },
        },
    }
    proof = {
        "name": "Newsroom-Author",
        "in": "header",
        "required": False,
        "description": "the author_token of an earlier answer (or the newsroom_author cookie)",
        "schema": {"type": "string", "maxLength": 500},
    }
    return {
        "summary": "Post a comment; it is checked by Akismet and held for moderation.",
        "parameters": [proof],
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
            "403": _errors("A form post from a page of another site", form_page=True),
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
