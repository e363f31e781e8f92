"""The read-only data API, version 1, under ``/api/v1``. Reference: ``docs/api.md``.

Each route parses its parameters, asks the Store of the current viewer, and
formats the answer. Visibility comes with ``current_store()``: a measure the
viewer may not see is a 404, worded exactly like a measure that does not exist.

Formats: JSON by default; the same path with a ``.csv`` suffix returns CSV as
a download (``/measures.csv``, ``/measures/<id>/observations.csv``).
``/geographies.geojson`` returns the boundaries. Errors are JSON
``{"error": "..."}`` with a 4xx or 5xx status, never a stack trace.
"""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, fields
from datetime import date

import flask
import pandas as pd
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException
from werkzeug.utils import secure_filename

from api.openapi import SPEC
from components.context import current_store
from data.export import frame_to_csv, frame_to_records, to_jsonable
from data.models import CITYWIDE
from data.store import SUMMARY_FLAT_COLUMNS, AreaInfo, GeographyInfo, MeasureInfo, Store

log = logging.getLogger("statroom.api")

blueprint = flask.Blueprint("api_v1", __name__, url_prefix="/api/v1")

ALL_GEOGRAPHIES = "all"
OBSERVATION_COLUMNS = ["geography_id", "period", "value", "numerator", "denominator"]
ANNOTATION_COLUMNS = ["measure_id", "start_date", "end_date", "label", "description"]
TARGET_COLUMNS = ["period_start", "period_end", "value", "tolerance", "label"]
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def register(server: flask.Flask) -> None:
    server.register_blueprint(blueprint)


# -- catalog ----------------------------------------------------------------------------


@blueprint.get("/measures", defaults={"fmt": "json"})
@blueprint.get("/measures.csv", defaults={"fmt": "csv"})
def measures(fmt: str):
    _accept_only("area")
    store = current_store()
    area = flask.request.args.get("area")
    if area is not None and store.area(area) is None:
        flask.abort(400, f"Unknown area {area!r}. GET /api/v1/areas lists the areas.")
    rows = [asdict(m) for m in store.measures(area)]
    name = f"measures-{area}" if area else "measures"
    return _table(fmt, "measures", rows, _columns(MeasureInfo), name)


@blueprint.get("/measures/<measure_id>", defaults={"fmt": "json"})
@blueprint.get("/measures/<measure_id>.csv", defaults={"fmt": "csv"})
def measure(measure_id: str, fmt: str):
    _accept_only()
    store = current_store()
    info = _visible_measure(store, measure_id)
    latest = store.series(measure_id)["period"].max()
    stored = store.summary(measure_id)
    about = {
        **asdict(info),
        "latest_period": None if pd.isna(latest) else latest.date(),
        "analytics_computed_at": stored.computed_at if stored else None,
    }
    if fmt == "csv":
        return _csv(pd.DataFrame([about], dtype=object), measure_id)
    targets = store.targets(measure_id)[TARGET_COLUMNS]
    annotations = store.annotations(measure_id)[ANNOTATION_COLUMNS]
    return _json(
        {
            **about,
            "targets": frame_to_records(targets),
            "annotations": frame_to_records(annotations),
        }
    )


@blueprint.get("/areas", defaults={"fmt": "json"})
@blueprint.get("/areas.csv", defaults={"fmt": "csv"})
def areas(fmt: str):
    _accept_only()
    rows = [asdict(a) for a in current_store().areas()]
    return _table(fmt, "areas", rows, _columns(AreaInfo), "areas")


@blueprint.get("/geographies", defaults={"fmt": "json"})
@blueprint.get("/geographies.csv", defaults={"fmt": "csv"})
def geographies(fmt: str):
    _accept_only()
    rows = [asdict(g) for g in current_store().geographies(include_citywide=True)]
    return _table(fmt, "geographies", rows, _columns(GeographyInfo), "geographies")


@blueprint.get("/geographies.geojson")
def boundaries():
    _accept_only()
    response = _json(current_store().boundaries())
    response.mimetype = "application/geo+json"
    return response


# -- data -------------------------------------------------------------------------------


@blueprint.get("/measures/<measure_id>/observations", defaults={"fmt": "json"})
@blueprint.get("/measures/<measure_id>/observations.csv", defaults={"fmt": "csv"})
def observations(measure_id: str, fmt: str):
    _accept_only("geography", "start", "end")
    store = current_store()
    _visible_measure(store, measure_id)
    geography = _geography(store, allow_all=True)
    start, end = _date("start"), _date("end")
    if start and end and start > end:
        flask.abort(400, "start must be on or before end.")

    if geography == ALL_GEOGRAPHIES:
        citywide = store.series(measure_id, CITYWIDE, start, end).assign(geography_id=CITYWIDE)
        frame = pd.concat([citywide, store.panel(measure_id, start, end)], ignore_index=True)
    else:
        frame = store.series(measure_id, geography, start, end).assign(geography_id=geography)
    frame = frame[OBSERVATION_COLUMNS]

    if fmt == "csv":
        return _csv(frame, f"{measure_id}-observations-{geography}")
    return _json(
        {
            "measure_id": measure_id,
            "geography": geography,
            "start": start,
            "end": end,
            "observations": frame_to_records(frame),
        }
    )


@blueprint.get("/measures/<measure_id>/summary", defaults={"fmt": "json"})
@blueprint.get("/measures/<measure_id>/summary.csv", defaults={"fmt": "csv"})
def summary(measure_id: str, fmt: str):
    _accept_only("geography")
    store = current_store()
    _visible_measure(store, measure_id)
    geography = _geography(store, allow_all=False)
    info = store.summary(measure_id, geography)
    if info is None:
        flask.abort(
            404,
            f"No analytics are stored yet for {measure_id!r} in {geography!r}; "
            "they appear after the next refresh of the data.",
        )
    flat = {name: getattr(info, name) for name in SUMMARY_FLAT_COLUMNS}
    if fmt == "csv":
        return _csv(pd.DataFrame([flat], dtype=object), f"{measure_id}-summary-{geography}")
    # The payload is passed through as stored by ``statroom refresh``.
    return _json({**flat, "payload": info.payload})


@blueprint.get("/openapi.json")
def openapi():
    _accept_only()
    return _json(SPEC)


@blueprint.get("/", defaults={"path": ""})
@blueprint.get("/<path:path>")
def unknown_path(path: str):
    # Without this, Dash Pages' catch-all route would answer with the app's HTML page.
    flask.abort(404, "There is no such API endpoint. GET /api/v1/openapi.json lists them all.")


# -- errors and headers -----------------------------------------------------------------


@blueprint.errorhandler(HTTPException)
def http_error(error: HTTPException):
    return _json({"error": error.description}, error.code)


@blueprint.errorhandler(SQLAlchemyError)
def database_error(error: SQLAlchemyError):
    log.error("API database error: %s", error, exc_info=error)
    message = "The database is not answering. Please try again in a few minutes."
    return _json({"error": message}, 503)


@blueprint.errorhandler(Exception)
def unexpected_error(error: Exception):
    log.exception("API error on %s", flask.request.full_path, exc_info=error)
    message = "Something went wrong on our side; it has been logged. Please try again later."
    return _json({"error": message}, 500)


@blueprint.after_request
def no_sniffing(response: flask.Response) -> flask.Response:
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# -- helpers ----------------------------------------------------------------------------


def _accept_only(*names: str) -> None:
    """Refuse unknown or repeated query parameters, so a typo cannot silently change the data."""
    args = flask.request.args
    accepted = ", ".join(names) or "no query parameters"
    for name in args:
        if name == "format":
            flask.abort(400, "For CSV, add .csv to the path instead of ?format=csv.")
        if name not in names:
            flask.abort(400, f"Unknown parameter {name!r}; this endpoint accepts {accepted}.")
        if len(args.getlist(name)) > 1:
            flask.abort(400, f"Give the parameter {name!r} only once.")


def _visible_measure(store: Store, measure_id: str) -> MeasureInfo:
    info = store.measure(measure_id)
    if info is None:
        # The same answer whether the measure is internal or does not exist.
        flask.abort(
            404, f"No measure {measure_id!r}. GET /api/v1/measures lists the measures you can see."
        )
    return info


def _geography(store: Store, allow_all: bool) -> str:
    geography = flask.request.args.get("geography", CITYWIDE)
    if allow_all and geography == ALL_GEOGRAPHIES:
        return geography
    if geography not in {g.id for g in store.geographies(include_citywide=True)}:
        also = f" or {ALL_GEOGRAPHIES!r}" if allow_all else ""
        flask.abort(
            400,
            f"Unknown geography {geography!r}. Use a geography id from "
            f"GET /api/v1/geographies{also}.",
        )
    return geography


def _date(name: str) -> date | None:
    raw = flask.request.args.get(name)
    if raw is None:
        return None
    message = f"{name} must be a date written YYYY-MM-DD, for example 2025-07-01."
    if not ISO_DATE.fullmatch(raw):
        flask.abort(400, message)
    try:
        return date.fromisoformat(raw)
    except ValueError:
        flask.abort(400, f"{name}={raw} is not a calendar date; {message}")


def _columns(cls) -> list[str]:
    return [f.name for f in fields(cls)]


def _table(fmt: str, key: str, rows: list[dict], columns: list[str], filename: str):
    if fmt == "csv":
        # dtype=object keeps integers with gaps (population, rate_per) as integers.
        return _csv(pd.DataFrame(rows, columns=columns, dtype=object), filename)
    return _json({key: rows})


def _json(body, status: int = 200) -> flask.Response:
    response = flask.jsonify(to_jsonable(body))
    response.status_code = status
    return response


def _csv(frame: pd.DataFrame, filename: str) -> flask.Response:
    response = flask.Response(frame_to_csv(frame), mimetype="text/csv")
    response.headers.set(
        "Content-Disposition", "attachment", filename=secure_filename(f"{filename}.csv")
    )
    return response
