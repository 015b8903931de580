"""Behind CloudFront: the API answers CloudFront alone, and the client is its viewer.

CloudFront adds a secret header to every request it sends the API (an origin custom
header); a request without it came some other way, straight to the API's own address,
and is refused: only then can ``CloudFront-Viewer-Address`` be believed, since anyone
can write that header. The viewer's address replaces the peer's (a CloudFront edge) in
the ASGI scope, so the rate limit and Akismet see the reader; the secret header is taken
out before the app sees the request.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging

SECRET_HEADER = b"x-newsroom-cloudfront"
VIEWER_HEADER = b"cloudfront-viewer-address"
logger = logging.getLogger("newsroom.service")


class Secrets:
    """The values CloudFront may send: the current one, and the next while it is being
    changed (CloudFront takes minutes to deploy a new header, the function seconds)."""

    def __init__(self, values: tuple[str, ...]) -> None:
        self._values = tuple(value.encode() for value in values)

    def match(self, sent: bytes) -> bool:
        # Every value is compared, so the time does not say which one nearly matched.
        return sum(hmac.compare_digest(sent, value) for value in self._values) > 0

    def __repr__(self) -> str:
        return f"Secrets(<{len(self._values)} hidden>)"


class OnlyThroughCloudFront:
    """ASGI middleware: refuse what did not come through CloudFront; take its viewer."""

    def __init__(self, app, secrets: Secrets) -> None:
        self.app = app
        self.secrets = secrets

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            return await self.app(scope, receive, send)
        if scope["type"] != "http":  # nothing else is served: closed, not passed on
            return await send({"type": "websocket.close", "code": 1008})
        headers = [(k, v) for k, v in scope["headers"] if k != SECRET_HEADER]
        sent = [v for k, v in scope["headers"] if k == SECRET_HEADER]
        if len(sent) != 1 or not self.secrets.match(sent[0]):
            return await _refuse(send, 403, "This API answers through the site's address only.")
        viewer = viewer_address([v for k, v in headers if k == VIEWER_HEADER])
        if viewer is None:
            logger.error("CloudFront sent no CloudFront-Viewer-Address: see docs/deploy.md")
            return await _refuse(send, 502, "The site's CDN did not say who the reader is.")
        scope = {**scope, "headers": headers, "client": viewer}
        if "aws.event" in scope:  # Mangum keeps the Lambda event: the secret leaves it too
            scope["aws.event"] = _without_secret(scope["aws.event"])
        return await self.app(scope, receive, send)


def _without_secret(event: dict) -> dict:
    headers = event.get("headers") or {}
    kept = {k: v for k, v in headers.items() if k.lower() != SECRET_HEADER.decode()}
    multi = event.get("multiValueHeaders")
    if multi:
        multi = {k: v for k, v in multi.items() if k.lower() != SECRET_HEADER.decode()}
    return {**event, "headers": kept, **({"multiValueHeaders": multi} if multi else {})}


def viewer_address(values: list[bytes]) -> tuple[str, int] | None:
    """``198.51.100.7:46532`` or ``2001:db8::1:46532`` (IPv6 unbracketed, port last)."""
    if len(values) != 1:
        return None
    address, _, port = values[0].decode("latin-1").strip().rpartition(":")
    try:
        return str(ipaddress.ip_address(address.strip("[]"))), int(port)
    except ValueError:
        return None


async def _refuse(send, status: int, message: str) -> None:
    body = json.dumps({"errors": {"request": message}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
