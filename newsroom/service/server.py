"""`newsroom serve`: the built site and the comment API on one port, under uvicorn."""

from __future__ import annotations

import logging
import os

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, RedirectResponse
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from newsroom.articles.redirects import TABLE_FILE, Table
from newsroom.service import slow_clients
from newsroom.service.app import create_app
from newsroom.service.settings import ServiceSettings

logger = logging.getLogger("newsroom.service")


class SiteFiles(StaticFiles):
    """The static site; a missing page gets the site's own 404 page. Hidden files (the
    build's record in .newsroom/, a publish's temporary files) are not the site's. An
    imported site's old links answer with a permanent redirect (``?p=ID`` too)."""

    def __init__(self, directory: str, **options):
        super().__init__(directory=directory, **options)
        self.moved = MovedLinks(os.path.join(directory, TABLE_FILE))

    async def get_response(self, path, scope):
        new = self.moved.find(scope["path"], scope.get("query_string", b"").decode("latin-1"))
        if new is not None:
            return RedirectResponse(new, status_code=301)
        try:
            if any(part.startswith(".") and part != "." for part in path.split("/")):
                raise HTTPException(404)
            return await super().get_response(path, scope)
        except HTTPException as exc:
            not_found = os.path.join(str(self.directory), "404.html")
            if exc.status_code == 404 and os.path.exists(not_found):
                return FileResponse(not_found, status_code=404)
            raise


class MovedLinks:
    """The build's table of old links, read again when a build has changed it (a stat a
    request: the table is read only when its file changed)."""

    def __init__(self, path: str):
        self.path = path
        self.seen: tuple[int, int] | None = None
        self.table = Table({}, {})

    def find(self, path: str, query: str) -> str | None:
        try:
            status = os.stat(self.path)
        except OSError:
            return None
        if (status.st_mtime_ns, status.st_size) != self.seen:
            self.seen = (status.st_mtime_ns, status.st_size)
            try:
                with open(self.path, "rb") as file:
                    self.table = Table.from_json(file.read())
            except (OSError, ValueError) as exc:  # not what a build writes (atomically)
                logger.error("Old links: %s cannot be read (%s)", self.path, exc)
                self.table = Table({}, {})
        return self.table.find(path, query)


def site_app(settings: ServiceSettings, site_dir: str) -> Starlette:
    api = create_app(settings, run_jobs=True)
    if not os.path.isdir(site_dir):
        raise SystemExit(f"No built site in {site_dir}: run `make html` first")
    api.router.routes.append(Mount("/", app=SiteFiles(directory=site_dir, html=True)))
    return api


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    site_dir: str | None = None,
    certfile: str | None = None,
    keyfile: str | None = None,
) -> None:
    """With ``certfile`` (and ``keyfile``, unless the certificate file holds the key too),
    HTTPS; the console's cookie is then ``__Host-`` and Secure."""
    import uvicorn

    if not logging.getLogger().handlers:  # called without the CLI: still say what happens
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = ServiceSettings.from_env()
    site_dir = site_dir or settings.site_dir
    app = site_app(settings, site_dir)
    scheme = "https" if certfile else "http"
    logger.info("Serving %s and the comment API on %s://%s:%s", site_dir, scheme, host, port)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="info",
        proxy_headers=False,  # the app alone decides whom X-Forwarded-For is believed from
        http=slow_clients.protocol(
            settings.header_timeout, settings.body_timeout, settings.trusted_proxies
        ),
        limit_concurrency=settings.max_connections,
        ssl_certfile=certfile,
        ssl_keyfile=keyfile,
    )
