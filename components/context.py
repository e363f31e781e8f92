"""Request context for pages: the Store bound to the current viewer.

The engine lives on the Flask app (set up by ``app.create_app``); the viewer
comes from the signed session. Pages call :func:`current_store` and never
build engines or viewers themselves.
"""

from __future__ import annotations

import flask

from data.cache import CACHE_EXTENSION
from data.store import Store, Viewer

EXTENSION_KEY = "statroom"


def current_viewer() -> Viewer:
    state = flask.current_app.extensions[EXTENSION_KEY]
    role = flask.session.get("role") if flask.has_request_context() else None
    if role:
        return Viewer(role, flask.session.get("username", ""))
    return Viewer(state.config.anonymous_role)


def current_store() -> Store:
    """The Store for this request's viewer, with the app's cache when one is installed
    (``data.cache.install_cache``): cached reads are keyed by the viewer's visibility."""
    app = flask.current_app
    state = app.extensions[EXTENSION_KEY]
    return Store(state.engine, current_viewer(), app.extensions.get(CACHE_EXTENSION))
