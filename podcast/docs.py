"""``/docs`` (Swagger UI) and ``/redoc`` (ReDoc) with every asset served from here.

FastAPI's own pages load their scripts from a CDN and start Swagger UI with an inline script,
so they would break under our Content-Security-Policy and tell a third party about every
visit. Here the bundles come from the ``fastapi-offline`` package (files only; its FastAPI
subclass is not used), Swagger UI is started by ``static/docs.js``, and the pages carry
:data:`podcast.core.security.DOCS_HEADERS`: the pages' policy plus the explicit exemptions these
two tools need (inline styles, a blob: worker for ReDoc's search).
"""

from __future__ import annotations

import html
import importlib.util
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from podcast.core.security import DOCS_HEADERS
from podcast.web.templating import static_url

ASSETS_PATH = "/docs-assets"
PACKAGE = "fastapi-offline"


def assets_dir() -> Path | None:
    """The package's folder of Swagger UI and ReDoc bundles, or None when it is missing."""
    spec = importlib.util.find_spec("fastapi_offline")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "static"
    return folder if (folder / "swagger-ui-bundle.js").is_file() else None


def _page(title: str, head: str, body: str) -> str:
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n{head}</head>\n<body>\n{body}</body>\n</html>\n"
    )


def _missing() -> Response:
    detail = f"the API docs need the {PACKAGE} package: pip install -e . (or {PACKAGE})"
    return JSONResponse({"detail": detail}, 503, headers=DOCS_HEADERS)


def install(app: FastAPI) -> None:
    """Serve the docs pages and their assets (create the app with docs_url/redoc_url None)."""
    folder = assets_dir()
    if folder is not None:
        app.mount(ASSETS_PATH, StaticFiles(directory=folder), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui(request: Request) -> Response:
        if folder is None:
            return _missing()
        root = request.scope.get("root_path", "")
        assets = f"{root}{ASSETS_PATH}"
        head = (
            f'<link rel="stylesheet" href="{assets}/swagger-ui.css">\n'
            f'<link rel="icon" href="{assets}/favicon.png">\n'
        )
        body = (
            f'<div id="swagger-ui" data-openapi-url="{html.escape(root + openapi_url)}"></div>\n'
            f'<script src="{assets}/swagger-ui-bundle.js"></script>\n'
            f'<script src="{root}{static_url("docs.js")}"></script>\n'
        )
        page = _page(f"{app.title} - Swagger UI", head, body)
        return HTMLResponse(page, headers=DOCS_HEADERS)

    @app.get("/redoc", include_in_schema=False)
    def redoc(request: Request) -> Response:
        if folder is None:
            return _missing()
        root = request.scope.get("root_path", "")
        assets = f"{root}{ASSETS_PATH}"
        head = f'<link rel="icon" href="{assets}/favicon.png">\n'
        body = (
            f'<redoc spec-url="{html.escape(root + openapi_url)}"></redoc>\n'
            f'<script src="{assets}/redoc.standalone.js"></script>\n'
        )
        return HTMLResponse(_page(f"{app.title} - ReDoc", head, body), headers=DOCS_HEADERS)
