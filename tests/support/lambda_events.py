"""AWS's own sample Lambda events, rewritten to requests for our API.

The samples (tests/fixtures/aws-lambda-events, or NEWSROOM_LAMBDA_EVENTS) are kept
unmodified; each test rewrites a copy: method, path, query, headers and body.
"""

from __future__ import annotations

import base64
import copy
import json
import os
from pathlib import Path

from tests.support.needs import require
from tests.support.service import THREAD

ROOT = Path(__file__).resolve().parents[2]


def _events_folder() -> Path:
    """AWS's own sample events: NEWSROOM_LAMBDA_EVENTS, else the unmodified copy kept with
    the tests, else the team's shared fixtures beside the repository."""
    if os.environ.get("NEWSROOM_LAMBDA_EVENTS"):
        return Path(os.environ["NEWSROOM_LAMBDA_EVENTS"])
    kept = ROOT / "tests/fixtures/aws-lambda-events"
    return kept if kept.is_dir() else ROOT.parent / "shared/fixtures/aws-lambda-events"


EVENTS = _events_folder()
V2_EVENTS = [
    "lambdaFunctionUrlEvent.json",
    "lambdaFunctionUrlEventWithHeaders.json",
    "lambdaFunctionUrlIAMEvent.json",
    "apiGatewayProxyV2Event.json",
    "apiGatewayProxyV2Event_GET.json",
]
COMMENT = {"thread": THREAD, "author": "Ann", "email": "ann@example.org", "body": "From Lambda"}


def sample(name: str) -> dict:
    require((EVENTS / name).exists(), f"AWS sample events not found in {EVENTS}")
    return json.loads((EVENTS / name).read_text())


def v2_event(name, method, path, query="", body=None, headers=None) -> dict:
    event = copy.deepcopy(sample(name))
    event["rawPath"] = path
    event["rawQueryString"] = query
    event["requestContext"]["http"].update({"method": method, "path": path})
    event["routeKey"] = "$default"
    event["headers"] = {"host": "comments.example", **(headers or {})}
    event.pop("cookies", None)
    event["queryStringParameters"] = dict(pair.split("=", 1) for pair in query.split("&") if pair)
    _set_body(event, body)
    return event


def v1_event(name, method, path, query=None, body=None, headers=None) -> dict:
    event = copy.deepcopy(sample(name))
    event.update({"httpMethod": method, "path": path, "queryStringParameters": query or None})
    if "multiValueQueryStringParameters" in event:
        event["multiValueQueryStringParameters"] = (
            {k: [v] for k, v in query.items()} if query else None
        )
    all_headers = {"host": "comments.example", **(headers or {})}
    event["headers"] = all_headers
    if "multiValueHeaders" in event:
        event["multiValueHeaders"] = {k: [v] for k, v in all_headers.items()}
    if "requestContext" in event and "httpMethod" in event["requestContext"]:
        event["requestContext"].update({"httpMethod": method, "path": path})
    _set_body(event, body)
    return event


def _set_body(event: dict, body) -> None:
    if body is None:
        event["body"] = None
        event["isBase64Encoded"] = False
        return
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    event["body"] = base64.b64encode(raw).decode()
    event["isBase64Encoded"] = True
