"""Statroom's Dash application.

``create_app(config)`` builds the app; the module-level ``server`` is what
gunicorn serves (``gunicorn app:server``). Pages live in ``pages/`` (Dash Pages).
"""

from __future__ import annotations

import gc
import logging
import time
from dataclasses import dataclass
from html import escape
from pathlib import Path
from urllib.parse import quote

import dash
import flask
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from api import auth, memo_routes, oidc, security
from api import v1 as api_v1
from components import layout as shell
from components import serialization
from components.context import EXTENSION_KEY, current_viewer
from components.first_view import speed_up_first_view
from data.cache import install_cache
from data.config import Config
from data.db import make_engine
from data.store import Store, Viewer

log = logging.getLogger("statroom")
HERE = Path(__file__).resolve().parent


@dataclass
class AppState:
    config: Config
    engine: Engine


def create_app(config: Config | None = None) -> dash.Dash:
    """Build the Statroom app for ``config`` (read from the environment when omitted)."""
    config = config or Config.from_env()
    server = flask.Flask(__name__)
    server.secret_key = config.secret_key
    server.config.update(
        # Uploads on /admin/data are capped at 50 MB of files; refuse far larger bodies early.
        MAX_CONTENT_LENGTH=80 * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.secure_cookies,
    )
    engine = make_engine(config.database_url)
    server.extensions[EXTENSION_KEY] = AppState(config=config, engine=engine)
    # Shared reads (summaries, series, boundaries) are cached per visibility and data version.
    install_cache(server, config)

    app = StatroomDash(
        __name__,
        server=server,
        use_pages=True,
        pages_folder=str(HERE / "pages"),
        assets_folder=str(HERE / "assets"),
        serve_locally=True,
        title="Statroom",
        update_title=None,
        suppress_callback_exceptions=True,
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    # Screen readers pick their voice from the page's language (WCAG 3.1.1).
    app.index_string = app.index_string.replace("<html>", '<html lang="en">', 1)
    speed_up_first_view(app)
    app.layout = shell.app_shell
    # Layouts and callback answers are encoded by orjson directly (components/serialization.py).
    serialization.install()
    shell.register_callbacks(app)
    auth.register(server)
    api_v1.register(server)
    memo_routes.register(server)
    oidc.register(server, config)
    _register_routes(server, engine)
    security.install(server, app.csp_hashes, config.frame_ancestors)
    _finish_dash_setup(server)
    shell.title_follows_navigation(app)
    return app


class StatroomDash(dash.Dash):
    """Dash, serving each page's HTML with that page's title."""

    def interpolate_index(self, **kwargs):
        # Dash writes the app's title and lets a callback set the page's once loaded;
        # with the page's title here, that callback need not run on load.
        # Titles hold measure and area names: untrusted text, and Dash does not escape it.
        title = shell.page_title(flask.request.path)
        if title:
            kwargs["title"] = escape(title)
        return super().interpolate_index(**kwargs)


def _finish_dash_setup(server: flask.Flask) -> None:
    """Run Dash's first-request setup now, before the server takes traffic.

    Dash registers its scripts and page routes on the first request and marks that done
    before it is; a threaded gunicorn worker's concurrent first requests then fail with
    500s ("dash is not a registered library", plotly/dash#3971): a kiosk that starts with
    the server would stay blank. One internal request (no database) settles it.
    """
    response = server.test_client().get("/_dash-dependencies")
    if response.status_code != 200:
        log.warning("Dash setup request answered %s", response.status_code)


def _register_routes(server: flask.Flask, engine: Engine) -> None:
    @server.get("/healthz")
    def healthz():
        try:
            Store(engine, Viewer()).ping()
        except SQLAlchemyError:
            log.exception("health check: database unreachable")
            return flask.jsonify(status="error", database="unreachable"), 503
        return flask.jsonify(status="ok", database="ok")

    @server.before_request
    def public_visitors_start_on_the_public_site():
        # The staff overview asks anonymous visitors to sign in; on the bare root URL
        # the public site is the more useful answer.
        if flask.request.path == "/" and current_viewer().role == "public":
            return flask.redirect("/public", code=302)
        return None

    @server.errorhandler(SQLAlchemyError)
    def database_error(error):
        log.error("database error: %s", error, exc_info=error)
        return shell.database_error_html(), 503


#: The entry pages a serving process renders before it takes traffic, and as whom; every
#: priority area's page is added.
WARM_PAGES = (("/", "viewer"), ("/equity", "viewer"), ("/public", "public"), ("/kiosk", "public"))


def prepare_to_serve(server: flask.Flask) -> None:
    """What a serving process does once, before it takes traffic: :func:`warm_pages`,
    then :func:`freeze_startup_objects`."""
    warm_pages(server)
    freeze_startup_objects()


def warm_pages(server: flask.Flask) -> None:
    """Render the entry pages once, as a browser's first visit would ask for them.

    A new worker's first overview otherwise reads every measure's status and "what
    changed" digest before anything is cached, and runs its code for the first time: on
    the large city it appeared in 1.6 s, against 0.5 s once warm. A restarted kiosk
    would wait the same. What this reads lands in the cache (with Redis, the workers
    after the first find it there). A page that fails is logged and left to its visitor.
    """
    state = server.extensions[EXTENSION_KEY]
    started = time.perf_counter()
    try:
        areas = Store(state.engine, Viewer("viewer")).areas()
    except SQLAlchemyError:
        log.warning("warming pages: the database is unreachable; pages start cold")
        return
    pages = [*WARM_PAGES, *((f"/area/{quote(area.id, safe='')}", "viewer") for area in areas)]
    client = server.test_client()
    for path, role in pages:
        with client.session_transaction() as session:
            session["role"] = role
        # The shell renders the page its Referer names (components/layout.py).
        began = time.perf_counter()
        response = client.get("/_dash-layout", headers={"Referer": f"http://localhost{path}"})
        log.debug("warmed %s in %.0f ms", path, (time.perf_counter() - began) * 1000)
        if response.status_code != 200:
            log.warning("warming pages: %s answered %s", path, response.status_code)
    log.info("warmed %d pages in %.1f s", len(pages), time.perf_counter() - started)


def freeze_startup_objects() -> None:
    """Keep what start-up built (modules, page registry, plotly's validators) out of the
    garbage collector's full passes, for a serving process.

    A full pass visits every tracked object; with pandas, plotly and statsmodels loaded
    that is a quarter of a million, and page requests allocate enough to set one off
    every few requests: measured, it doubled the slowest page answers (p95). Objects
    made before this call stay alive for the life of the process anyway.
    """
    gc.collect()
    gc.freeze()


def __getattr__(name: str):
    # gunicorn asks for ``app:server``; build the app only then, so importing this
    # module (tests, the CLI) does not create an app from the environment.
    if name == "server":
        server = create_app().server
        prepare_to_serve(server)
        return server
    raise AttributeError(name)
