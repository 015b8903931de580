"""AWS Lambda entry: Function URL, API Gateway (HTTP and REST APIs) and ALB, via Mangum.

The app is built on the first invocation and kept for warm ones; a GET imports neither
Akismet, httpx nor psycopg (unless the store is PostgreSQL).
"""

from __future__ import annotations

_handler = None


def handler(event, context):
    global _handler
    if _handler is None:
        from mangum import Mangum

        from newsroom.service.app import create_app

        _handler = Mangum(create_app(), lifespan="off")
    return _handler(event, context)
