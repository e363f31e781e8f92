"""Sign-in and sign-out: plain HTML form posts, so they work without JavaScript.

The session cookie is signed (Flask), HTTP-only, SameSite=Lax and, when
``STATROOM_SECURE_COOKIES=1``, Secure. Posts from another origin are refused.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

import flask

from components.context import EXTENSION_KEY
from data.users import authenticate

blueprint = flask.Blueprint("auth", __name__, url_prefix="/auth")


def _same_origin() -> bool:
    origin = flask.request.headers.get("Origin") or flask.request.headers.get("Referer")
    if not origin:
        return True  # non-browser clients send neither; the cookie rules still apply
    return urlsplit(origin).netloc == flask.request.host


def _safe_next(target: str | None) -> str:
    """Only same-site paths: no scheme, no host, no protocol-relative URLs."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    parts = urlsplit(target)
    return "/" if parts.scheme or parts.netloc else target


@blueprint.post("/login")
def login():
    if not _same_origin():
        flask.abort(403)
    state = flask.current_app.extensions[EXTENSION_KEY]
    form = flask.request.form
    next_path = _safe_next(form.get("next"))
    viewer = authenticate(state.engine, form.get("username", ""), form.get("password", ""))
    if viewer is None:
        return flask.redirect("/login?" + urlencode({"error": 1, "next": next_path}), code=303)
    flask.session.clear()
    flask.session["username"] = viewer.username
    flask.session["role"] = viewer.role
    flask.session.permanent = True
    return flask.redirect(next_path, code=303)


@blueprint.post("/logout")
def logout():
    if not _same_origin():
        flask.abort(403)
    flask.session.clear()
    return flask.redirect("/", code=303)


def register(server: flask.Flask) -> None:
    server.register_blueprint(blueprint)
