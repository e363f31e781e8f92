"""The OpenAPI 3.1 description of ``/api/v1``, served at ``/api/v1/openapi.json``.

Every table path has a ``.csv`` twin with the same parameters; :func:`_get`
writes both, so they cannot disagree. ``tests/unit/test_api.py``
checks that the paths match the Flask routes and the responses match the schemas.
"""

from __future__ import annotations

from data.models import AGGREGATIONS, DIRECTIONS, FREQUENCIES, GEOGRAPHY_KINDS, UNITS


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(kind: str, **extra) -> dict:
    return {"type": [kind, "null"], **extra}


def _object(properties: dict, description: str = "") -> dict:
    schema = {"type": "object", "required": list(properties), "properties": properties}
    if description:
        schema["description"] = description
    return schema


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
NUMBER = {"type": "number"}
BOOLEAN = {"type": "boolean"}
DATE = {"type": "string", "format": "date"}
TIMESTAMP = {
    "type": ["string", "null"],
    "description": "UTC, ISO 8601 without an offset (2025-07-01T06:30:00.123456).",
}

SCHEMAS = {
    "Error": _object(
        {"error": {"type": "string", "description": "What went wrong and how to fix it."}}
    ),
    "Area": _object(
        {"id": STRING, "name": STRING, "description": STRING, "display_order": INTEGER},
        "A priority area that holds at least one measure the caller may see.",
    ),
    "Measure": _object(
        {
            "id": STRING,
            "area_id": STRING,
            "area_name": STRING,
            "name": STRING,
            "short_name": STRING,
            "description": STRING,
            "methodology": {"type": "string", "description": "How the value is computed."},
            "department": STRING,
            "owner": STRING,
            "unit": {"type": "string", "enum": list(UNITS)},
            "unit_label": {"type": "string", "description": 'For example "potholes" or "USD".'},
            "decimals": INTEGER,
            "rate_per": _nullable("integer", description="For unit rate: per how many."),
            "direction": {"type": "string", "enum": list(DIRECTIONS)},
            "frequency": {"type": "string", "enum": list(FREQUENCIES)},
            "update_lag_days": {
                "type": "integer",
                "description": "Days after a period ends by which its data is expected.",
            },
            "aggregation": {"type": "string", "enum": list(AGGREGATIONS)},
            "is_public": BOOLEAN,
            "data_source": STRING,
            "display_order": INTEGER,
        }
    ),
    "Target": _object(
        {
            "period_start": DATE,
            "period_end": DATE,
            "value": NUMBER,
            "tolerance": {"type": "number", "description": "Distance from value still 'near'."},
            "label": STRING,
        }
    ),
    "Annotation": _object(
        {
            "measure_id": _nullable("string", description="null: applies to every measure."),
            "start_date": DATE,
            "end_date": _nullable("string", format="date"),
            "label": STRING,
            "description": STRING,
        }
    ),
    "MeasureDetail": {
        "allOf": [
            _ref("Measure"),
            _object(
                {
                    "latest_period": _nullable(
                        "string", format="date", description="Newest period with citywide data."
                    ),
                    "analytics_computed_at": TIMESTAMP,
                    "targets": {"type": "array", "items": _ref("Target")},
                    "annotations": {"type": "array", "items": _ref("Annotation")},
                }
            ),
        ]
    },
    "Geography": _object(
        {
            "id": STRING,
            "name": STRING,
            "kind": {"type": "string", "enum": list(GEOGRAPHY_KINDS)},
            "population": _nullable("integer"),
            "equity_priority": BOOLEAN,
            "display_order": INTEGER,
        }
    ),
    "Observation": _object(
        {
            "geography_id": STRING,
            "period": {
                "type": "string",
                "format": "date",
                "description": "First day of the period.",
            },
            "value": _nullable("number"),
            "numerator": _nullable("number"),
            "denominator": _nullable("number"),
        }
    ),
    "Observations": _object(
        {
            "measure_id": STRING,
            "geography": {"type": "string", "description": "A geography id, or all."},
            "start": _nullable("string", format="date"),
            "end": _nullable("string", format="date"),
            "observations": {"type": "array", "items": _ref("Observation")},
        }
    ),
    "Summary": _object(
        {
            "measure_id": STRING,
            "geography_id": STRING,
            "computed_at": TIMESTAMP,
            "latest_period": _nullable("string", format="date"),
            "latest_value": _nullable("number"),
            "target_status": _nullable(
                "string", description="met, near, missed, no_target or no_data."
            ),
            "trend_verdict": _nullable(
                "string",
                description="improving, worsening, no_significant_change or insufficient_data.",
            ),
            "has_new_signal": {
                "type": "boolean",
                "description": "The latest points carry a control-chart signal.",
            },
            "forecast_error": {
                "type": "string",
                "description": "Why there is no forecast; empty when there is one.",
            },
            "payload": {
                "type": "object",
                "description": (
                    "The stored analytics as written by `statroom refresh`: trend, control "
                    "chart, target status, forecast band and equity sections, passed "
                    "through as stored."
                ),
            },
        }
    ),
    "FeatureCollection": _object(
        {
            "type": {"const": "FeatureCollection"},
            "features": {
                "type": "array",
                "items": _object(
                    {
                        "type": {"const": "Feature"},
                        "id": {"type": "string", "description": "The geography id."},
                        "properties": _object({"name": STRING}),
                        "geometry": {"type": "object", "description": "A GeoJSON geometry."},
                    }
                ),
            },
        },
        "RFC 7946 GeoJSON: one feature per neighborhood that has a boundary.",
    ),
}
for _name, _item in [("Measure", "measures"), ("Area", "areas"), ("Geography", "geographies")]:
    SCHEMAS[f"{_item.title()}List"] = _object({_item: {"type": "array", "items": _ref(_name)}})


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref("Error")}}}


RESPONSES = {
    "BadRequest": _error("A parameter is unknown, repeated or malformed; the message says which."),
    "NotFound": _error("No such measure, or one the caller may not see (the answer is the same)."),
    "ServerError": _error("The database is not answering, or an unexpected error was logged."),
}

PARAMETERS = {
    "measure_id": {
        "name": "measure_id",
        "in": "path",
        "required": True,
        "schema": STRING,
        "description": "A measure id from /measures.",
    },
    "area": {
        "name": "area",
        "in": "query",
        "schema": STRING,
        "description": "Only the measures of this priority area (an id from /areas).",
    },
    "geography_or_all": {
        "name": "geography",
        "in": "query",
        "schema": {"type": "string", "default": "citywide"},
        "description": "A geography id from /geographies, or all for citywide and every neighborhood.",
    },
    "geography": {
        "name": "geography",
        "in": "query",
        "schema": {"type": "string", "default": "citywide"},
        "description": "A geography id from /geographies.",
    },
    "start": {
        "name": "start",
        "in": "query",
        "schema": DATE,
        "description": "Only periods on or after this date (YYYY-MM-DD).",
    },
    "end": {
        "name": "end",
        "in": "query",
        "schema": DATE,
        "description": "Only periods on or before this date (YYYY-MM-DD).",
    },
}

CSV_RESPONSE = {
    "description": (
        "CSV with a header row, served as a download. Text cells that a spreadsheet would "
        "run as a formula start with an apostrophe."
    ),
    "headers": {
        "Content-Disposition": {
            "schema": STRING,
            "description": 'attachment; filename="<name>.csv"',
        }
    },
    "content": {"text/csv": {"schema": STRING}},
}


def _get(
    path: str,
    summary: str,
    schema: str,
    parameters: tuple[str, ...] = (),
    csv: str = "",
    media_type: str = "application/json",
) -> dict:
    """Path items for ``path`` and, when ``csv`` describes its rows, for ``path + '.csv'``."""
    responses = {
        "400": {"$ref": "#/components/responses/BadRequest"},
        "5XX": {"$ref": "#/components/responses/ServerError"},
    }
    if "measure_id" in parameters:
        responses["404"] = {"$ref": "#/components/responses/NotFound"}
    operation = {
        "summary": summary,
        "operationId": path.strip("/").replace("/", "_").replace("{", "").replace("}", ""),
        "parameters": [{"$ref": f"#/components/parameters/{p}"} for p in parameters],
    }
    items = {
        path: {
            "get": {
                **operation,
                "responses": {
                    "200": {"description": "OK", "content": {media_type: {"schema": _ref(schema)}}},
                    **responses,
                },
            }
        }
    }
    if csv:
        items[f"{path}.csv"] = {
            "get": {
                **operation,
                "summary": f"{summary} (CSV)",
                "description": csv,
                "operationId": f"{operation['operationId']}_csv",
                "responses": {"200": CSV_RESPONSE, **responses},
            }
        }
    return items


PATHS = {
    **_get(
        "/measures",
        "The measures the caller may see",
        "MeasuresList",
        ("area",),
        csv="One row per measure, with the columns of Measure.",
    ),
    **_get(
        "/measures/{measure_id}",
        "One measure: metadata, about the data, targets, annotations, last update",
        "MeasureDetail",
        ("measure_id",),
        csv="One row with the columns of Measure plus latest_period and "
        "analytics_computed_at; targets and annotations are in the JSON only.",
    ),
    **_get(
        "/measures/{measure_id}/observations",
        "A measure's values over time for one geography or all of them",
        "Observations",
        ("measure_id", "geography_or_all", "start", "end"),
        csv="One row per observation, with the columns of Observation.",
    ),
    **_get(
        "/measures/{measure_id}/summary",
        "The stored analytics of a measure in one geography",
        "Summary",
        ("measure_id", "geography"),
        csv="One row with the headline columns of Summary; the payload is in the JSON only.",
    ),
    **_get("/areas", "Priority areas", "AreasList", csv="One row per area."),
    **_get(
        "/geographies",
        "Citywide and the neighborhoods, without boundaries",
        "GeographiesList",
        csv="One row per geography.",
    ),
    **_get(
        "/geographies.geojson",
        "Neighborhood boundaries",
        "FeatureCollection",
        media_type="application/geo+json",
    ),
}
PATHS["/openapi.json"] = {
    "get": {
        "summary": "This description",
        "operationId": "openapi",
        "responses": {
            "200": {
                "description": "OpenAPI 3.1",
                "content": {"application/json": {"schema": {"type": "object"}}},
            }
        },
    }
}

SPEC = {
    "openapi": "3.1.0",
    "info": {
        "title": "Statroom data API",
        "version": "1",
        "description": (
            "Read-only access to the measures, observations and stored analytics of a "
            "Statroom city. JSON by default; add .csv to a path for CSV. Callers who have "
            "not signed in see what the site's anonymous role allows (public measures only "
            "when STATROOM_ANONYMOUS_ROLE=public). A measure the caller may not see is "
            "answered with 404, like one that does not exist. See docs/api.md."
        ),
        "license": {"name": "MIT", "identifier": "MIT"},
    },
    "servers": [{"url": "/api/v1"}],
    "paths": PATHS,
    "components": {"schemas": SCHEMAS, "responses": RESPONSES, "parameters": PARAMETERS},
}
