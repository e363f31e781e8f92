"""Downloads of the Stat memo and the follow-up memo: ``/meeting/<id>/memo.pdf`` and friends.

Memos are internal working documents: they need a staff viewer (the signed-in role, or
the anonymous role when the city runs Statroom on its intranet). The public gets 404,
as if the meeting did not exist.
"""

from __future__ import annotations

import logging

import flask

from components import memo
from components.context import EXTENSION_KEY, current_viewer
from data.store import Store

log = logging.getLogger("statroom")

blueprint = flask.Blueprint("memos", __name__)

FORMATS = {
    "html": (memo.HTML_MIME, False),
    "pdf": (memo.PDF_MIME, True),
    "docx": (memo.DOCX_MIME, True),
}


def _store() -> Store:
    state = flask.current_app.extensions[EXTENSION_KEY]
    return Store(state.engine, current_viewer())


def _send(body, fmt: str, name: str) -> flask.Response:
    mime, attachment = FORMATS[fmt]
    response = flask.Response(body, mimetype=mime.split(";")[0])
    response.headers["Content-Type"] = mime
    disposition = "attachment" if attachment else "inline"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@blueprint.get("/meeting/<int:meeting_id>/memo.<fmt>")
def stat_memo(meeting_id: int, fmt: str):
    if fmt not in FORMATS:
        flask.abort(404)
    store = _store()
    if not store.viewer.can_see_internal:
        flask.abort(404)
    loaded = memo.load_memo(store, meeting_id)
    if loaded is None:
        flask.abort(404)
    doc, charts = loaded
    city = store.city().name
    render = {"html": memo.memo_html, "pdf": memo.memo_pdf, "docx": memo.memo_docx}[fmt]
    name = memo.file_name(doc.meeting_title, "stat-memo", fmt, doc.meeting_when)
    return _send(render(doc, charts, city), fmt, name)


@blueprint.get("/meeting/<int:meeting_id>/followup.<fmt>")
def followup_memo(meeting_id: int, fmt: str):
    if fmt not in FORMATS:
        flask.abort(404)
    store = _store()
    if not store.viewer.can_see_internal:
        flask.abort(404)
    loaded = memo.load_followup(store, meeting_id)
    if loaded is None:
        flask.abort(404)
    doc, text = loaded
    city = store.city().name
    render = {"html": memo.followup_html, "pdf": memo.followup_pdf, "docx": memo.followup_docx}[fmt]
    name = memo.file_name(doc.meeting_title, "follow-up", fmt, doc.meeting_when)
    return _send(render(doc, text, city), fmt, name)


def register(server: flask.Flask) -> None:
    """Add the memo download routes to ``server`` (once)."""
    if blueprint.name not in server.blueprints:
        server.register_blueprint(blueprint)
