"""Statroom's Dash application.

``create_app(config)`` builds the app; the module-level ``server`` is what
gunicorn serves (``gunicorn app:server``). Pages live in ``pages/`` (Dash Pages).
"""

from __future__ import annotations

import gc
import logging
from dataclasses import dataclass
from pathlib import Path

import dash
import flask
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from api import auth, memo_routes, oidc, security
from api import v1 as api_v1
from components import layout as shell
from components import serialization
from components.context import EXTENSION_KEY, current_viewer
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

    app = dash.Dash(
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
    return app


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
        freeze_startup_objects()
        return server
    raise AttributeError(name)
