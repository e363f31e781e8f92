"""The data API /api/v1 through Flask's test client, on SQLite and PostgreSQL.

The app under test is a bare Flask app with the Statroom state and the API
blueprint: the API must not depend on Dash. A stand-in for Dash Pages' catch-all
route checks that no /api/v1 URL falls through to the HTML app.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import flask
import pandas as pd
import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi
from sqlalchemy import create_engine

import api.v1
from app import AppState
from components.context import EXTENSION_KEY
from data.catalog import AnnotationSpec, AreaSpec, Catalog, GeographySpec, MeasureSpec, TargetSpec
from data.config import Config
from data.store import save_summaries
from data.writer import upsert_observations, write_catalog

DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"
SQUARE = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
HTML_NAME = '<script>alert("x")</script> & <b>Response</b>'
FORMULA_FIELDS = {
    "description": '=HYPERLINK("http://x")',
    "unit_label": "+1",
    "department": "@SUM(A1)",
    "owner": "-2+3",
}
DASH_PAGE = "<html>the Dash app</html>"


def catalog() -> Catalog:
    return Catalog(
        city_name="Testville",
        fiscal_year_start_month=7,
        geographies=[
            GeographySpec("north", "North", population=1000, geometry=SQUARE, display_order=1),
            GeographySpec("south", "South", population=3000, equity_priority=True, display_order=2),
        ],
        areas=[AreaSpec("safety", "Public safety"), AreaSpec("internal", "Internal ops", "", 1)],
        measures=[
            MeasureSpec(
                "response",
                "safety",
                HTML_NAME,
                "Response",
                "minutes",
                "lower_is_better",
                "month",
                "mean",
                is_public=True,
                methodology="Median minutes from call to arrival.",
                data_source="CAD system",
                **FORMULA_FIELDS,
            ),
            MeasureSpec(
                "cleared",
                "safety",
                "Cases cleared",
                "Cleared",
                "percent",
                "higher_is_better",
                "month",
                "rate",
            ),
            MeasureSpec(
                "overtime",
                "internal",
                "Overtime",
                "Overtime",
                "currency",
                "lower_is_better",
                "month",
                "sum",
            ),
        ],
        targets=[TargetSpec("response", date(2025, 1, 1), date(2025, 12, 31), 8.0, 0.5, "FY25")],
        annotations=[
            AnnotationSpec("New protocol", date(2025, 2, 1), measure_id="response"),
            AnnotationSpec("Data outage", date(2025, 3, 1), is_public=False),
        ],
    )


def observations() -> pd.DataFrame:
    rows = []
    for month in range(1, 5):
        period = date(2025, month, 1)
        rows += [
            ("response", "citywide", period, 8.0 + month, None, None),
            ("response", "north", period, -2.5 * month, None, None),
            ("response", "south", period, 9.0, None, None),
            ("cleared", "citywide", period, 50.0, 20, 40),
        ]
    return pd.DataFrame(
        rows, columns=["measure_id", "geography_id", "period", "value", "numerator", "denominator"]
    )


@pytest.fixture
def loaded(engine):
    with engine.begin() as conn:
        write_catalog(conn, catalog())
        upsert_observations(conn, observations())
    summary = {
        "latest_period": "2025-04-01",
        "latest_value": 12.0,
        "target_status": "missed",
        "trend_verdict": "worsening",
        "trend": {"slope": 1.0, "p_value": 0.01},
        "forecast": {"band": [{"period": "2025-05-01", "lower": 11.0, "upper": 14.0}]},
    }
    save_summaries(engine, "response", {"citywide": summary})
    save_summaries(engine, "cleared", {"citywide": {"latest_value": 50.0}})
    return engine


def make_server(engine, anonymous_role: str = "public") -> flask.Flask:
    server = flask.Flask(__name__)
    server.secret_key = "test"
    config = Config(database_url=str(engine.url), secret_key="test", anonymous_role=anonymous_role)
    server.extensions[EXTENSION_KEY] = AppState(config=config, engine=engine)
    api.v1.register(server)
    # Dash Pages answers every other GET path with its HTML page.
    server.add_url_rule("/<path:path>", "dash_catch_all", lambda path: DASH_PAGE)
    return server


@pytest.fixture
def client(loaded):
    return make_server(loaded).test_client()


@pytest.fixture
def staff(loaded):
    """A client whose session says: a signed-in viewer (sees internal measures)."""
    client = make_server(loaded).test_client()
    with client.session_transaction() as session:
        session["role"] = "viewer"
    return client


def get_json(client, url: str, status: int = 200):
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    return response.get_json()


def get_csv(client, url: str, filename: str) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"] == f"attachment; filename={filename}"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def error_of(client, url: str, status: int) -> str:
    body = get_json(client, url, status)
    assert set(body) == {"error"}
    return body["error"]


# -- catalog ----------------------------------------------------------------------------


def test_api001_measures_lists_public_measures_for_anonymous_callers(client):
    body = get_json(client, "/api/v1/measures")
    assert [m["id"] for m in body["measures"]] == ["response"]
    assert body["measures"][0]["area_name"] == "Public safety"


def test_api002_measures_csv_is_a_download_with_the_same_rows(client):
    rows = get_csv(client, "/api/v1/measures.csv", "measures.csv")
    assert [r["id"] for r in rows] == ["response"]
    assert rows[0]["decimals"] == "0" and rows[0]["rate_per"] == ""


def test_api003_internal_measure_is_404_for_public_like_an_unknown_one(client):
    for suffix in ["", ".csv", "/observations", "/observations.csv", "/summary", "/summary.csv"]:
        internal = client.get(f"/api/v1/measures/cleared{suffix}")
        unknown = client.get(f"/api/v1/measures/nosuch{suffix}")
        assert internal.status_code == unknown.status_code == 404
        assert internal.mimetype == "application/json"
        assert internal.get_json()["error"].replace("cleared", "X") == unknown.get_json()[
            "error"
        ].replace("nosuch", "X")


def test_api004_signed_in_viewer_sees_internal_measures(staff):
    ids = [m["id"] for m in get_json(staff, "/api/v1/measures")["measures"]]
    assert ids == ["response", "cleared", "overtime"]
    assert get_json(staff, "/api/v1/measures/cleared")["is_public"] is False
    observed = get_json(staff, "/api/v1/measures/cleared/observations")["observations"]
    assert [o["numerator"] for o in observed] == [20.0] * 4
    assert [a["id"] for a in get_json(staff, "/api/v1/areas")["areas"]] == ["safety", "internal"]


def test_api005_measures_filtered_by_area(client, staff):
    assert [m["id"] for m in get_json(staff, "/api/v1/measures?area=internal")["measures"]] == [
        "overtime"
    ]
    rows = get_csv(staff, "/api/v1/measures.csv?area=safety", "measures-safety.csv")
    assert [r["id"] for r in rows] == ["response", "cleared"]
    # An area holding only internal measures does not exist for the public.
    assert "Unknown area 'internal'" in error_of(client, "/api/v1/measures?area=internal", 400)
    assert "Unknown area" in error_of(client, "/api/v1/measures?area=nosuch", 400)


def test_api006_measure_detail_has_about_the_data_targets_and_last_update(client):
    body = get_json(client, "/api/v1/measures/response")
    assert body["methodology"] == "Median minutes from call to arrival."
    assert body["data_source"] == "CAD system"
    assert body["frequency"] == "month" and body["update_lag_days"] == 30
    assert body["latest_period"] == "2025-04-01"
    assert body["analytics_computed_at"].startswith(str(date.today().year))
    assert body["targets"] == [
        {
            "period_start": "2025-01-01",
            "period_end": "2025-12-31",
            "value": 8.0,
            "tolerance": 0.5,
            "label": "FY25",
        }
    ]
    # The internal city-wide annotation is left out for the public.
    assert [a["label"] for a in body["annotations"]] == ["New protocol"]


def test_api007_measure_detail_csv_is_one_row(client):
    rows = get_csv(client, "/api/v1/measures/response.csv", "response.csv")
    assert len(rows) == 1
    assert rows[0]["id"] == "response" and rows[0]["latest_period"] == "2025-04-01"


def test_api008_html_in_names_is_plain_text_in_json(client):
    response = client.get("/api/v1/measures/response")
    assert response.mimetype == "application/json"
    assert response.get_json()["name"] == HTML_NAME
    rows = get_csv(client, "/api/v1/measures.csv", "measures.csv")
    assert rows[0]["name"] == HTML_NAME


def test_api009_csv_neutralises_formulas_json_keeps_the_text(client):
    rows = get_csv(client, "/api/v1/measures.csv", "measures.csv")
    body = get_json(client, "/api/v1/measures")["measures"][0]
    for field, text in FORMULA_FIELDS.items():
        assert rows[0][field] == "'" + text
        assert body[field] == text


def test_api010_areas_json_and_csv(client):
    assert get_json(client, "/api/v1/areas")["areas"] == [
        {"id": "safety", "name": "Public safety", "description": "", "display_order": 0}
    ]
    assert [r["id"] for r in get_csv(client, "/api/v1/areas.csv", "areas.csv")] == ["safety"]


def test_api011_geographies_include_citywide_without_geometry(client):
    geographies = get_json(client, "/api/v1/geographies")["geographies"]
    assert [g["id"] for g in geographies] == ["citywide", "north", "south"]
    assert geographies[0]["population"] == 4000
    assert all("geometry" not in g for g in geographies)
    rows = get_csv(client, "/api/v1/geographies.csv", "geographies.csv")
    assert [(r["id"], r["population"]) for r in rows][1] == ("north", "1000")


def test_api012_geojson_has_the_boundaries(client):
    response = client.get("/api/v1/geographies.geojson")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    body = response.get_json(force=True)
    assert body["type"] == "FeatureCollection"
    assert [(f["id"], f["geometry"]) for f in body["features"]] == [("north", SQUARE)]


# -- observations and summaries ---------------------------------------------------------


def test_api013_observations_default_to_citywide(client):
    body = get_json(client, "/api/v1/measures/response/observations")
    assert (body["measure_id"], body["geography"], body["start"], body["end"]) == (
        "response",
        "citywide",
        None,
        None,
    )
    assert body["observations"][0] == {
        "geography_id": "citywide",
        "period": "2025-01-01",
        "value": 9.0,
        "numerator": None,
        "denominator": None,
    }
    assert [o["value"] for o in body["observations"]] == [9.0, 10.0, 11.0, 12.0]


def test_api014_observations_filtered_by_date_range_inclusive(client):
    url = "/api/v1/measures/response/observations"
    periods = [
        o["period"]
        for o in get_json(client, f"{url}?start=2025-02-01&end=2025-03-01")["observations"]
    ]
    assert periods == ["2025-02-01", "2025-03-01"]
    after = get_json(client, f"{url}?start=2025-03-15")["observations"]
    assert [o["period"] for o in after] == ["2025-04-01"]
    before = get_json(client, f"{url}?end=2025-01-31")
    assert before["end"] == "2025-01-31" and len(before["observations"]) == 1
    assert get_json(client, f"{url}?start=2030-01-01")["observations"] == []


def test_api015_observations_for_one_or_all_geographies(client):
    url = "/api/v1/measures/response/observations"
    north = get_json(client, f"{url}?geography=north")["observations"]
    assert {o["geography_id"] for o in north} == {"north"} and len(north) == 4
    everywhere = get_json(client, f"{url}?geography=all&start=2025-04-01")["observations"]
    assert [o["geography_id"] for o in everywhere] == ["citywide", "north", "south"]


def test_api016_observations_csv_keeps_negative_numbers(client):
    rows = get_csv(
        client,
        "/api/v1/measures/response/observations.csv?geography=north&end=2025-02-01",
        "response-observations-north.csv",
    )
    assert rows == [
        {
            "geography_id": "north",
            "period": f"2025-0{m}-01",
            "value": str(-2.5 * m),
            "numerator": "",
            "denominator": "",
        }
        for m in (1, 2)
    ]
    everywhere = get_csv(
        client,
        "/api/v1/measures/response/observations.csv?geography=all",
        "response-observations-all.csv",
    )
    assert len(everywhere) == 12


@pytest.mark.parametrize(
    "query",
    ["start=2025-13-01", "start=01/02/2025", "end=2025-02-30", "start=", "end=20250101"],
)
def test_api017_bad_dates_are_400_with_what_to_fix(client, query):
    message = error_of(client, f"/api/v1/measures/response/observations?{query}", 400)
    assert "YYYY-MM-DD" in message and query.split("=")[0] in message


def test_api018_start_after_end_is_400(client):
    url = "/api/v1/measures/response/observations.csv?start=2025-03-01&end=2025-01-01"
    assert "start must be on or before end" in error_of(client, url, 400)


def test_api019_unknown_geography_is_400(client):
    message = error_of(client, "/api/v1/measures/response/observations?geography=atlantis", 400)
    assert "Unknown geography 'atlantis'" in message and "/api/v1/geographies" in message
    summary = error_of(client, "/api/v1/measures/response/summary?geography=all", 400)
    assert "Unknown geography 'all'" in summary


def test_api020_unknown_or_repeated_parameters_are_400(client):
    assert "Unknown parameter 'geo'" in error_of(
        client, "/api/v1/measures/response/observations?geo=north", 400
    )
    assert "add .csv to the path" in error_of(client, "/api/v1/measures?format=csv", 400)
    assert "only once" in error_of(
        client, "/api/v1/measures/response/observations?geography=north&geography=south", 400
    )
    assert "no query parameters" in error_of(client, "/api/v1/areas?area=safety", 400)


def test_api021_summary_passes_the_stored_payload_through(client):
    body = get_json(client, "/api/v1/measures/response/summary")
    assert (body["target_status"], body["trend_verdict"]) == ("missed", "worsening")
    assert body["latest_period"] == "2025-04-01" and body["has_new_signal"] is False
    assert body["payload"]["trend"] == {"slope": 1.0, "p_value": 0.01}
    assert body["payload"]["forecast"]["band"][0]["upper"] == 14.0
    rows = get_csv(client, "/api/v1/measures/response/summary.csv", "response-summary-citywide.csv")
    assert len(rows) == 1 and rows[0]["target_status"] == "missed"
    assert "payload" not in rows[0]


def test_api022_missing_summary_is_404(client):
    message = error_of(client, "/api/v1/measures/response/summary?geography=north", 404)
    assert "No analytics are stored yet" in message


# -- errors, registration and the OpenAPI description -----------------------------------


def test_api023_unknown_api_paths_are_json_404_not_the_dash_page(client):
    for url in ["/api/v1/nosuch", "/api/v1/", "/api/v1/measures/response/extra"]:
        assert "openapi.json" in error_of(client, url, 404)
    assert client.get("/dashboard").get_data(as_text=True) == DASH_PAGE


def test_api024_database_failure_is_503_json_without_a_trace(tmp_path):
    unmigrated = create_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    client = make_server(unmigrated).test_client()
    response = client.get("/api/v1/measures")
    assert response.status_code == 503
    assert response.mimetype == "application/json"
    assert "try again" in response.get_json()["error"]
    assert "Traceback" not in response.get_data(as_text=True)
    assert "no such table" not in response.get_data(as_text=True)


def test_api025_anonymous_role_viewer_sees_internal_measures(loaded):
    client = make_server(loaded, anonymous_role="viewer").test_client()
    assert len(get_json(client, "/api/v1/measures")["measures"]) == 3


def test_api026_openapi_document_is_valid(client):
    spec = get_json(client, "/api/v1/openapi.json")
    validate_openapi(spec)
    assert spec["openapi"].startswith("3.1")


def api_routes(server: flask.Flask) -> set[str]:
    """The blueprint's paths, in OpenAPI notation, without the catch-all."""
    return {
        re.sub(r"<(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        for rule in server.url_map.iter_rules()
        if rule.endpoint.startswith("api_v1.") and rule.endpoint != "api_v1.unknown_path"
    }


def test_api027_every_route_is_described_and_documented(client):
    spec = get_json(client, "/api/v1/openapi.json")
    assert api_routes(client.application) == set(spec["paths"])
    docs = DOCS.read_text()
    undocumented = [
        rule.rule
        for rule in client.application.url_map.iter_rules()
        if rule.endpoint.startswith("api_v1.")
        and rule.endpoint != "api_v1.unknown_path"
        and f"`{rule.rule}`" not in docs
        and f"`GET {rule.rule}`" not in docs
    ]
    assert undocumented == []


RESPONSE_EXAMPLES = [
    "/measures",
    "/measures/response",
    "/measures/cleared",
    "/measures/response/observations?geography=all&start=2025-02-01",
    "/measures/response/summary",
    "/areas",
    "/geographies",
    "/geographies.geojson",
]


@pytest.mark.parametrize("url", RESPONSE_EXAMPLES)
def test_api028_responses_match_their_openapi_schema(staff, url):
    spec = staff.get("/api/v1/openapi.json").get_json()
    response = staff.get(f"/api/v1{url}")
    assert response.status_code == 200
    adapter = staff.application.url_map.bind("localhost")
    rule, _ = adapter.match(f"/api/v1{url.split('?')[0]}", return_rule=True)
    path = re.sub(r"<(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
    (schema,) = [
        c["schema"] for c in spec["paths"][path]["get"]["responses"]["200"]["content"].values()
    ]
    validator = Draft202012Validator({**schema, "components": spec["components"]})
    errors = [e.message for e in validator.iter_errors(response.get_json(force=True))]
    assert errors == []


def test_api029_errors_match_the_error_schema(client):
    spec = get_json(client, "/api/v1/openapi.json")
    validator = Draft202012Validator({"$ref": "#/components/schemas/Error", **spec})
    for url in ["/api/v1/measures/cleared", "/api/v1/measures?area=x"]:
        validator.validate(client.get(url).get_json())


def test_api030_registers_on_the_real_app(database_url, loaded):
    """On the Dash app, /api/v1 answers before Dash Pages' catch-all route."""
    from app import create_app

    config = Config(database_url=database_url, secret_key="test", anonymous_role="public")
    server = create_app(config).server
    if "api_v1" not in server.blueprints:
        api.v1.register(server)
    client = server.test_client()
    assert [m["id"] for m in get_json(client, "/api/v1/measures")["measures"]] == ["response"]
    assert "openapi.json" in error_of(client, "/api/v1/nosuch", 404)
