"""Page-load speed-ups the app and the benchmarks' static floor share.

Kept apart from ``app.py`` so the benchmarks' static floor (``bench/floor.py``) serves its
pages the same way without importing the rest of Statroom.
"""

from __future__ import annotations

import os

import dash
import flask

#: The fonts a page's text is set in (assets/base/02-inter.css). A stylesheet's fonts are
#: requested only once text needs them, some while the charts are being drawn.
PRELOADED_FONTS = tuple(
    f"base/inter/inter-latin-{weight}-normal.woff2" for weight in (400, 600, 700)
)
#: A year, the conventional longest ``max-age``.
IMMUTABLE_SECONDS = 365 * 24 * 3600
#: Scripts the page runs just before and just after Dash's own, so not among the assets
#: Dash links itself (see the scripts' comments).
PAGE_LOAD_FOLDER = "page-load"
BEFORE_DASH_SCRIPT = f"{PAGE_LOAD_FOLDER}/keep-natives.js"
AFTER_DASH_SCRIPT = f"{PAGE_LOAD_FOLDER}/restore-natives.js"


def speed_up_first_view(app: dash.Dash) -> None:
    """What the browser needs for a page's first view, asked for early and kept.

    - The page's head preloads ``_dash-layout``, ``_dash-dependencies`` and the fonts.
      Dash's renderer asks for the first two only once every script has run; a preload
      (matched by URL, so the renderer's own request takes its answer) lets the server
      compose the page while the browser runs the scripts.
    - Assets Dash links with their modification time (``?m=``) are served as immutable:
      a changed file gets a new URL, so browsers need not ask again on every page.
    - The browser's own string trimming and number parsing stay in use: Dash's polyfill
      replaces them with slower versions plotly.js calls thousands of times per chart.
      ``assets/page-load/`` keeps them before Dash's scripts run and puts them back after.
    """
    prefix = app.config.requests_pathname_prefix
    links = [
        f'<link rel="preload" href="{prefix}{endpoint}" as="fetch" crossorigin="anonymous">'
        for endpoint in ("_dash-layout", "_dash-dependencies")
    ] + [
        f'<link rel="preload" href="{app.get_asset_url(font)}" as="font" type="font/woff2"'
        ' crossorigin="anonymous">'
        for font in PRELOADED_FONTS
    ]
    app.index_string = app.index_string.replace("{%css%}", "\n".join([*links, "{%css%}"]), 1)
    app.config.assets_path_ignore = [
        *(app.config.assets_path_ignore or []),
        f"^{PAGE_LOAD_FOLDER}$",
    ]
    before, after = (
        f'<script src="{_fingerprinted_asset_url(app, path)}"></script>'
        for path in (BEFORE_DASH_SCRIPT, AFTER_DASH_SCRIPT)
    )
    app.index_string = app.index_string.replace(
        "{%scripts%}", f"{before}\n{{%scripts%}}\n{after}", 1
    )
    assets = f"{app.config.routes_pathname_prefix}{app.config.assets_url_path.strip('/')}/"

    @app.server.after_request
    def fingerprinted_assets_are_immutable(response: flask.Response) -> flask.Response:
        # Also on a 304: a browser that kept a file as no-cache updates its headers from it.
        request = flask.request
        fingerprinted = "m" in request.args and request.path.startswith(assets)
        if fingerprinted and response.status_code in (200, 304):
            response.cache_control.no_cache = None
            response.cache_control.public = True
            response.cache_control.max_age = IMMUTABLE_SECONDS
            response.cache_control.immutable = True
        return response


def _fingerprinted_asset_url(app: dash.Dash, path: str) -> str:
    """An asset's URL with its modification time, as Dash links the assets it finds."""
    modified = int(os.stat(os.path.join(app.config.assets_folder, path)).st_mtime)
    return f"{app.get_asset_url(path)}?m={modified}"
