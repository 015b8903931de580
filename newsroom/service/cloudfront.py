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


class OnlyThroughCloudFront:
    """ASGI middleware: refuse what did not come through CloudFront; take its viewer."""

    def __init__(self, app, secret: str) -> None:
        self.app = app
        self.secret = secret.encode()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = [(k, v) for k, v in scope["headers"] if k != SECRET_HEADER]
        sent = [v for k, v in scope["headers"] if k == SECRET_HEADER]
        if len(sent) != 1 or not hmac.compare_digest(sent[0], self.secret):
            return await _refuse(send, 403, "This API answers through the site's address only.")
        viewer = viewer_address([v for k, v in headers if k == VIEWER_HEADER])
        if viewer is None:
            logger.error("CloudFront sent no CloudFront-Viewer-Address: see docs/deploy.md")
            return await _refuse(send, 502, "The site's CDN did not say who the reader is.")
        scope = {**scope, "headers": headers, "client": viewer}
        return await self.app(scope, receive, send)


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
