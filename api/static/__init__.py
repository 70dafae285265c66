"""Serves the crews' web app (built by `make web` into api/static/dist) at `/` on the API's own origin.

Same origin means the app needs no CORS and no second server; the app is a single page with hash
routes, so `/` is its only HTML URL and everything else lives under `/web/` (no catch-all route that
could shadow API paths registered later). `GET /web/session` tells the app who its key belongs to
(role and crew name), which it needs to show a crew its own orders and the actions it may take.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel

from api.auth.deps import AnyCaller

__all__ = ["DIST_DIR", "mount_web"]

DIST_DIR = Path(__file__).resolve().parent / "dist"

# The app loads only its own files; photos come back as blob: URLs, and a city may configure a tile
# server for the background map (any http/https image host, chosen at run time in the settings).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' blob: data: https: http:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)

MISSING_HTML = """<!doctype html><html lang="en">
<head><meta charset="utf-8"><title>pothole-watch</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; line-height: 1.5">
<h1>The web app is not built</h1>
<p>The API is running, but <code>{dist}</code> has no <code>index.html</code>.
Build the app with <code>make web</code> (needs <code>npm</code>), then reload this page.</p>
<p lang="ko">웹 앱이 빌드되지 않았습니다. <code>make web</code>을 실행한 뒤 새로 고침하세요.</p>
<p>The HTTP API itself is at <a href="/docs">/docs</a>.</p>
</body></html>"""


class WebSession(BaseModel):
    """Who the caller's key belongs to: `name` is the crew id of a crew key (its orders' assignee)."""

    name: str
    role: str


def mount_web(app: FastAPI, dist_dir: Path = DIST_DIR) -> None:
    """Add `GET /` (the app shell) and `/web/*` (its modules, styles and vendored Leaflet) to `app`.

    The build output is looked up per request, so `make web` while the server runs is enough. When it
    is missing, `/` answers 503 with a page saying how to build it, not a bare 404 that looks like a
    broken API.
    """
    index = dist_dir / "index.html"
    headers = {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "Cache-Control": "no-cache",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }

    _add_session_route(app)

    @app.get("/", include_in_schema=False)
    def web_app() -> Response:
        if not index.is_file():
            return HTMLResponse(MISSING_HTML.format(dist=dist_dir), status_code=503, headers=headers)
        return FileResponse(index, media_type="text/html", headers=headers)

    app.mount("/web", StaticFiles(directory=dist_dir / "web", check_dir=False), name="web")


def _add_session_route(app: FastAPI) -> None:
    """Who is calling, through the backend's own key check (one source of truth for keys)."""

    @app.get("/web/session", response_model=WebSession, tags=["web app"],
             summary="The signed-in key's crew name and role (for the web app)")
    def get_web_session(principal: AnyCaller) -> WebSession:
        return WebSession(name=principal.name, role=str(principal.role))
