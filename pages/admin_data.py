"""Data admin (admins only): upload a catalog and observation files, see the validation
report row by row before anything is written, confirm the import, watch its progress,
and read the import history.

Access is enforced on the server at every step, not just by hiding the page: the
layout shows a sign-in prompt to anyone but an admin, each callback checks the viewer
again, and :func:`data.importer.import_uploads_as` refuses anyone else.

The import runs as a Dash background callback (``DiskcacheManager``) so a long import
can report progress. The job runs in a process of its own with no request, so it
rebuilds the request context from the cookies of the request that started it and
checks the viewer from the signed session, exactly as a request would.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
import tempfile
from pathlib import PurePosixPath

import dash
import dash_bootstrap_components as dbc
import diskcache
import flask
import pandas as pd
from dash import DiskcacheManager, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from components.context import EXTENSION_KEY, current_store, current_viewer
from components.layout import guarded, requires
from data.importer import import_uploads_as, read_existing
from data.refresh import refresh
from data.validation import MAX_PROBLEMS_SHOWN, ValidationReport, validate_uploads

log = logging.getLogger("statroom")

dash.register_page(__name__, path="/admin/data", title="Data imports · Statroom")

#: The most one import may upload, all files together.
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
CATALOG_SUFFIXES = (".yaml", ".yml")
ATTACHMENT_SUFFIXES = (".geojson", ".json")
OBSERVATION_SUFFIXES = (".csv", ".txt")
ACCEPT = ",".join(CATALOG_SUFFIXES + ATTACHMENT_SUFFIXES + OBSERVATION_SUFFIXES)
OUTCOMES = {
    "success": ("Imported", "bi-check-circle-fill", "status-met"),
    "rejected": ("Rejected", "bi-x-circle-fill", "status-missed"),
    "failed": ("Failed", "bi-exclamation-triangle-fill", "status-missed"),
    "running": ("Running or interrupted", "bi-hourglass-split", "status-near"),
}

#: Jobs and their progress live on disk, so every worker process on the machine sees them.
JOBS = DiskcacheManager(diskcache.Cache(os.path.join(tempfile.gettempdir(), "statroom-jobs")))


class ids:
    upload = "admin-data-upload"
    size_warning = "admin-data-size-warning"
    files = "admin-data-files"
    report = "admin-data-report"
    checked = "admin-data-checked"
    confirm = "admin-data-confirm"
    progress = "admin-data-progress"
    progress_label = "admin-data-progress-label"
    result = "admin-data-result"
    history = "admin-data-history"


# -- layout ---------------------------------------------------------------------------------


@guarded
@requires("admin")
def layout(**_query):
    return html.Div(
        [
            html.H1("Data imports", className="page-title"),
            html.P(
                "Upload the catalog (YAML), the GeoJSON files it names and the observation "
                "files (CSV). Statroom checks them first and shows every problem; nothing is "
                "written until you confirm. The formats are described in docs/data-format.md.",
                className="page-lede",
            ),
            html.Section(
                [
                    html.H2("1. Choose the files", className="h5", id="admin-step-upload"),
                    dcc.Upload(
                        html.Div(
                            [
                                html.I(
                                    className="bi bi-cloud-arrow-up me-2",
                                    **{"aria-hidden": "true"},
                                ),
                                html.Span("Drag the files here, or "),
                                html.Span("choose files", className="admin-upload-choose"),
                                html.Div(
                                    "Choose all the files of one import together: one catalog, "
                                    "its GeoJSON, and any number of CSV files. "
                                    f"Up to {MAX_UPLOAD_BYTES // 2**20} MB in all.",
                                    className="small-muted mt-1",
                                    **{"data-max-bytes": str(MAX_UPLOAD_BYTES)},
                                ),
                            ]
                        ),
                        id=ids.upload,
                        multiple=True,
                        accept=ACCEPT,
                        max_size=MAX_UPLOAD_BYTES,
                        className="admin-upload",
                        className_active="admin-upload active",
                    ),
                    dbc.Alert(
                        "", id=ids.size_warning, color="danger", is_open=False, className="mt-2"
                    ),
                    html.Div(id=ids.files, className="mt-2"),
                ],
                className="admin-step",
                **{"aria-labelledby": "admin-step-upload"},
            ),
            html.Section(
                [
                    html.H2("2. Check the report", className="h5", id="admin-step-report"),
                    dcc.Loading(
                        html.Div(
                            html.P("Choose files to see the report.", className="small-muted"),
                            id=ids.report,
                        ),
                        type="dot",
                    ),
                    dcc.Store(id=ids.checked),
                ],
                className="admin-step",
                **{"aria-labelledby": "admin-step-report"},
            ),
            html.Section(
                [
                    html.H2("3. Import", className="h5", id="admin-step-import"),
                    html.P(
                        "The import writes everything or nothing, then recomputes the "
                        "statistics of the measures it touched.",
                        className="small-muted",
                    ),
                    dbc.Button(
                        "Import these files", id=ids.confirm, color="primary", disabled=True
                    ),
                    html.Div(
                        [
                            dbc.Progress(
                                id=ids.progress,
                                value=0,
                                striped=True,
                                animated=True,
                                className="mt-3",
                                style={"height": "1.25rem"},
                            ),
                            html.P(
                                "",
                                id=ids.progress_label,
                                className="small-muted mt-1",
                                role="status",
                            ),
                        ],
                        className="admin-progress",
                    ),
                    html.Div(id=ids.result, **{"aria-live": "polite"}),
                ],
                className="admin-step",
                **{"aria-labelledby": "admin-step-import"},
            ),
            html.Section(
                [
                    html.H2("Import history", className="h5", id="admin-history-title"),
                    html.Div(history_table(current_store().import_history()), id=ids.history),
                ],
                className="admin-step",
                **{"aria-labelledby": "admin-history-title"},
            ),
        ],
        className="admin-data",
    )


# -- pure helpers ---------------------------------------------------------------------------


class UploadError(ValueError):
    """The uploaded files cannot be checked at all (too large, missing the catalog...)."""


def decode_uploads(contents, filenames) -> list[tuple[str, bytes]]:
    """``dcc.Upload`` data URLs → (file name, bytes); raises :class:`UploadError`."""
    if not contents:
        return []
    if isinstance(contents, str):
        contents, filenames = [contents], [filenames]
    if not isinstance(contents, list) or not all(isinstance(c, str) for c in contents):
        raise UploadError("The files could not be read. Choose them again.")
    if not isinstance(filenames, list):
        filenames = []
    encoded = sum(len(c) for c in contents)
    if encoded * 3 // 4 > MAX_UPLOAD_BYTES:
        raise UploadError(
            f"These files add up to about {encoded * 3 // 4 / 2**20:,.0f} MB; one import can "
            f"take up to {MAX_UPLOAD_BYTES // 2**20} MB. Split the observations into "
            "several imports (the catalog can come with each)."
        )
    files = []
    for content, name in zip(contents, filenames or [], strict=False):
        name = PurePosixPath(str(name or "upload")).name
        try:
            files.append((name, base64.b64decode(content.split(",", 1)[1], validate=True)))
        except (IndexError, binascii.Error, ValueError):
            raise UploadError(f"{name} could not be read. Choose the file again.") from None
    return files


def sort_files(files: list[tuple[str, bytes]]):
    """(catalog, observations, attachments, ignored names) by file extension."""
    catalogs = [f for f in files if f[0].lower().endswith(CATALOG_SUFFIXES)]
    observations = [f for f in files if f[0].lower().endswith(OBSERVATION_SUFFIXES)]
    attachments = {n: d for n, d in files if n.lower().endswith(ATTACHMENT_SUFFIXES)}
    known = {n for n, _ in catalogs + observations} | set(attachments)
    ignored = [n for n, _ in files if n not in known]
    if not catalogs:
        raise UploadError(
            "Add the catalog (a .yaml file): observations are checked against the measures "
            "it defines."
        )
    if len(catalogs) > 1:
        names = ", ".join(n for n, _ in catalogs)
        raise UploadError(f"Choose one catalog per import; these are all catalogs: {names}.")
    return catalogs[0], observations, attachments, ignored


def digest(files: list[tuple[str, bytes]]) -> str:
    """A fingerprint of the files, so the import writes exactly what was checked."""
    hashed = hashlib.sha256()
    for name, data in files:
        hashed.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return hashed.hexdigest()


def problem_rows(report: ValidationReport) -> list[dict]:
    return [
        {
            "file": p.file,
            "row": "" if p.row is None else str(p.row),
            "column": p.column or "",
            "message": p.message,
        }
        for p in report.problems[:MAX_PROBLEMS_SHOWN]
    ]


def summary_lines(report: ValidationReport) -> list[str]:
    """The report's summary, as ``statroom check`` prints it (without the problem lines)."""
    lines = report.format().splitlines()
    if report.ok:
        return lines
    shown = min(len(report.problems), MAX_PROBLEMS_SHOWN)
    return lines[shown:]


# -- views ----------------------------------------------------------------------------------


def file_list(files: list[tuple[str, bytes]], ignored: list[str]) -> html.Div:
    return html.Div(
        [
            html.Ul(
                [
                    html.Li(
                        [
                            html.I(className="bi bi-file-earmark me-1", **{"aria-hidden": "true"}),
                            name,
                            html.Span(f" ({_size(len(data))})", className="small-muted"),
                        ]
                    )
                    for name, data in files
                ],
                className="admin-file-list",
            ),
            html.P(
                "Not used (unknown kind of file): " + ", ".join(ignored), className="small-muted"
            )
            if ignored
            else None,
        ]
    )


def report_view(report: ValidationReport) -> html.Div:
    lines = summary_lines(report)
    if report.ok:
        return dbc.Alert(
            [
                html.H3("No problems found", className="h6"),
                html.Ul([html.Li(line) for line in lines if line != "No problems found."]),
                html.P("Nothing has been written yet. Import when ready.", className="mb-0"),
            ],
            color="success",
        )
    rows = problem_rows(report)
    return html.Div(
        [
            dbc.Alert(
                [html.H3("The files have problems", className="h6")]
                + [html.P(line, className="mb-1") for line in lines],
                color="danger",
            ),
            html.Div(
                dbc.Table(
                    [
                        html.Caption(
                            f"Problems, file by file and row by row ({len(rows):,} shown)"
                        ),
                        html.Thead(
                            html.Tr(
                                [
                                    html.Th("File", scope="col"),
                                    html.Th("Row or line", scope="col"),
                                    html.Th("Column or field", scope="col"),
                                    html.Th("Problem", scope="col"),
                                ]
                            )
                        ),
                        html.Tbody(
                            [
                                html.Tr(
                                    [
                                        html.Td(r["file"]),
                                        html.Td(r["row"]),
                                        html.Td(r["column"]),
                                        html.Td(r["message"]),
                                    ]
                                )
                                for r in rows
                            ]
                        ),
                    ],
                    size="sm",
                    striped=True,
                    className="admin-problems",
                ),
                className="admin-problems-wrap",
            ),
        ]
    )


def outcome_badge(outcome: str) -> html.Span:
    text, icon, css = OUTCOMES.get(outcome, (outcome.title(), "bi-circle", "status-none"))
    return html.Span(
        [html.I(className=f"bi {icon} me-1", **{"aria-hidden": "true"}), text],
        className=f"badge status-badge {css}",
    )


def history_table(history: pd.DataFrame) -> html.Div:
    if history.empty:
        return html.P("No imports yet.", className="small-muted")
    rows = []
    for row in history.itertuples(index=False):
        message = str(row.message or "")
        first, _, rest = message.partition("\n")
        rows.append(
            html.Tr(
                [
                    html.Td(_when(row.started_at)),
                    html.Td(row.user or "—"),
                    html.Td(row.source, className="admin-source"),
                    html.Td(f"{int(row.rows_read or 0):,}", className="text-end"),
                    html.Td(f"{int(row.rows_written or 0):,}", className="text-end"),
                    html.Td(outcome_badge(row.outcome)),
                    html.Td(html.Details([html.Summary(first), html.Pre(rest)]) if rest else first),
                ]
            )
        )
    return dbc.Table(
        [
            html.Caption("The latest imports, newest first (times in UTC)"),
            html.Thead(
                html.Tr(
                    [
                        html.Th("When", scope="col"),
                        html.Th("Who", scope="col"),
                        html.Th("Files", scope="col"),
                        html.Th("Rows read", scope="col", className="text-end"),
                        html.Th("Rows written", scope="col", className="text-end"),
                        html.Th("Outcome", scope="col"),
                        html.Th("Details", scope="col"),
                    ]
                )
            ),
            html.Tbody(rows),
        ],
        size="sm",
        striped=True,
        responsive=True,
        className="admin-history",
    )


def _when(value) -> str:
    if value is None or pd.isna(value):
        return "—"
    return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")


def _size(n: int) -> str:
    if n >= 2**20:
        return f"{n / 2**20:,.1f} MB"
    return f"{max(n / 1024, 0.1):,.1f} KB"


def _refused():
    return dbc.Alert("Only Statroom administrators can import data.", color="danger")


# -- callbacks ------------------------------------------------------------------------------


@dash.callback(
    Output(ids.files, "children"),
    Output(ids.report, "children"),
    Output(ids.checked, "data"),
    Output(ids.confirm, "disabled"),
    Output(ids.result, "children", allow_duplicate=True),
    Input(ids.upload, "contents"),
    State(ids.upload, "filename"),
    prevent_initial_call=True,
)
def check(contents, filenames):
    """Validate the chosen files (writing nothing) and show the report."""
    if not current_viewer().is_admin:
        return None, _refused(), None, True, None
    if not contents:
        raise PreventUpdate
    try:
        files = decode_uploads(contents, filenames)
        catalog, observations, attachments, ignored = sort_files(files)
    except UploadError as problem:
        return None, dbc.Alert(str(problem), color="danger"), None, True, None
    engine = flask.current_app.extensions[EXTENSION_KEY].engine
    with engine.connect() as conn:
        existing = read_existing(conn)
    report = validate_uploads(catalog, observations, attachments, existing=existing)
    checked = {"digest": digest(files)} if report.ok else None
    return file_list(files, ignored), report_view(report), checked, not report.ok, None


@dash.callback(
    Output(ids.result, "children"),
    Output(ids.history, "children"),
    Output(ids.checked, "data", allow_duplicate=True),
    Output(ids.report, "children", allow_duplicate=True),
    Input(ids.confirm, "n_clicks"),
    State(ids.upload, "contents"),
    State(ids.upload, "filename"),
    State(ids.checked, "data"),
    background=True,
    manager=JOBS,
    progress=[Output(ids.progress, "value"), Output(ids.progress_label, "children")],
    progress_default=[0, ""],
    running=[
        (Output(ids.confirm, "disabled"), True, True),
        (Output(ids.upload, "disabled"), True, False),
    ],
    prevent_initial_call=True,
)
def run_import(set_progress, n_clicks, contents, filenames, checked):
    """Import the checked files, report progress, then refresh the touched measures."""
    if not n_clicks:
        raise PreventUpdate
    with job_request_context() as server:
        return import_job(server, set_progress, contents, filenames, checked)


def import_job(server: flask.Flask, set_progress, contents, filenames, checked):
    """The import itself, inside a request context (see :func:`job_request_context`)."""
    viewer = current_viewer()
    if not viewer.is_admin:
        return _refused(), dash.no_update, None, dash.no_update
    engine = server.extensions[EXTENSION_KEY].engine
    try:
        files = decode_uploads(contents, filenames)
        catalog, observations, attachments, _ignored = sort_files(files)
    except UploadError as problem:
        return dbc.Alert(str(problem), color="danger"), dash.no_update, None, dash.no_update
    if not checked or checked.get("digest") != digest(files):
        return (
            dbc.Alert(
                "The files changed after they were checked. Check them again.", color="warning"
            ),
            dash.no_update,
            None,
            dash.no_update,
        )

    set_progress((2, "Checking the files again against the database…"))
    last = {"percent": -1}

    def on_rows(done: int, total: int) -> None:
        percent = 5 + int(80 * done / total) if total else 85
        if percent != last["percent"]:
            last["percent"] = percent
            set_progress((percent, f"Writing observations: {done:,} of {total:,} rows…"))

    result = import_uploads_as(viewer, engine, catalog, observations, attachments, progress=on_rows)
    history = history_table(current_store().import_history())
    if not result.ok:
        set_progress((0, ""))
        failed = dbc.Alert("Nothing was imported; the report above says why.", color="danger")
        return failed, history, None, report_view(result.report)
    measures = sorted(result.measure_ids)
    set_progress((88, f"Recomputing the statistics of {len(measures)} measures…"))
    try:
        refresh(engine, measure_ids=measures, progress=False)
    except Exception:  # noqa: BLE001 - the data is in; say what to do about the statistics
        log.exception("refresh after import %s failed", result.log_id)
        note = (
            "The data was imported, but the statistics could not be recomputed. "
            "Run `statroom refresh` on the server."
        )
        return dbc.Alert(note, color="warning"), history, None, DONE
    set_progress((100, "Done."))
    message = (
        f"Imported {result.rows_written:,} observations; the statistics of "
        f"{len(measures)} measures are up to date."
    )
    return dbc.Alert(message, color="success"), history, None, DONE


DONE = html.P(
    "These files have been imported. Choose more files to check another import.",
    className="small-muted",
)


class job_request_context:  # noqa: N801 - used as a context manager
    """Inside a background job: the request context of the request that started it.

    The job runs in another process, without Flask's request. Dash hands it the
    callback context, which holds that request's cookies, so the signed session (and
    with it :func:`current_viewer`) is rebuilt and verified as for any request. In an
    ordinary request (tests calling the callback directly) this changes nothing.
    """

    def __enter__(self) -> flask.Flask:
        if flask.has_request_context():
            self.context = None
            return flask.current_app._get_current_object()
        server = dash.get_app().server
        cookies = dash.callback_context.cookies or {}
        header = "; ".join(f"{name}={value}" for name, value in cookies.items())
        self.context = server.test_request_context(
            "/admin/data", headers={"Cookie": header} if header else {}
        )
        self.context.push()
        # Pooled connections came from the parent process; never share them.
        server.extensions[EXTENSION_KEY].engine.dispose(close=False)
        return server

    def __exit__(self, *exc) -> None:
        if self.context is not None:
            self.context.pop()
