"""AWS Lambda entry: HTTP events (Function URL, API Gateway HTTP and REST APIs, ALB) go to
the app through Mangum; EventBridge schedules run the jobs.

A schedule names its job in its input, ``{"job": "recheck"}``; a plain scheduled event
(``"detail-type": "Scheduled Event"``) runs every job that is due. Any other event is
logged as an error and answered, never raised. The app is built on the first invocation
and kept for warm ones; a GET imports neither Akismet, httpx nor psycopg (unless the
store is PostgreSQL).
"""

from __future__ import annotations

# Nothing is imported before the first invocation, not even typing: a bare cold start.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import logging
    from typing import Any

_handler: Any = None


def handler(event: Any, context: Any) -> Any:
    global _handler
    if _handler is None:
        from mangum import Mangum

        from newsroom.service.app import create_app

        _handler = Mangum(create_app(), lifespan="off")
    if not isinstance(event, dict):  # a test invocation can send any JSON value
        _logger().error("Event of an unknown kind ignored: a %s", type(event).__name__)
        return {"error": "unknown event"}
    if "job" in event or _scheduled(event):
        return _run_jobs(event)
    try:
        return _handler(event, context)
    except RuntimeError as exc:  # Mangum: no handler for this kind of event
        _logger().error("Event of an unknown kind ignored (%s): %s", sorted(event)[:8], exc)
        return {"error": "unknown event"}


def _scheduled(event: dict[str, Any]) -> bool:
    return event.get("detail-type") == "Scheduled Event" and event.get("source") == "aws.events"


def _run_jobs(event: dict[str, Any]) -> dict[str, Any]:
    import asyncio

    from newsroom.comments import jobs

    name = event.get("job")
    if "job" in event and (not isinstance(name, str) or name not in jobs.JOBS):
        _logger().error("Scheduled event for an unknown job ignored: %r", str(name)[:50])
        return {"error": "unknown job"}
    service = _handler.app.state.service
    names = [name] if name is not None else None
    results = asyncio.run(jobs.run_due(service.settings.comments, service.store.opened(), names))
    return {"jobs": results}


def _logger() -> logging.Logger:
    import logging

    return logging.getLogger("newsroom.service")
