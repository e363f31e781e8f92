"""The kiosk (/kiosk) as plain functions: rotation, public-only, failures, settings, framing."""

from __future__ import annotations

import flask
import pytest
from dash import dcc
from dash.exceptions import PreventUpdate
from sqlalchemy.exc import OperationalError

from app import create_app
from data.config import Config
from data.db import make_engine
from data.store import PUBLIC, Store
from tests.helpers import by_id, rendered_and_cached, walk


@pytest.fixture
def kiosk(demo_request, monkeypatch):
    from pages import kiosk

    monkeypatch.setattr(kiosk, "cached_page", rendered_and_cached)
    return kiosk


@pytest.fixture
def public(demo_database_url):
    return Store(make_engine(demo_database_url), PUBLIC)


def names_over(kiosk, ticks, settings) -> list[str]:
    return [kiosk.advance(tick, settings)[1] for tick in ticks]


def test_kio001_each_tick_shows_the_next_public_measure_and_wraps(kiosk, public):
    measures = public.measures()
    settings = {"area": None, "seconds": 15}
    first = kiosk.advance(1, settings)
    area, name, headline, badges, figure, updated, counter, progress, answered = first
    assert name == measures[1].name and area == measures[1].area_name
    assert headline.startswith(measures[1].name + " was ")
    assert counter == f"2 of {len(measures)}"
    assert "Data last updated" in updated
    assert answered == 1
    assert {t.name for t in figure.data} >= {"Actual"}
    assert kiosk.advance(len(measures) + 1, settings)[1] == measures[1].name  # wraps around
    # The progress bar restarts each step: its animation name alternates.
    assert progress["animationName"] != kiosk.advance(2, settings)[7]["animationName"]
    assert progress["animationDuration"] == "15s"


def test_kio002_public_measures_only_even_for_signed_in_staff(kiosk, public, demo_request):
    flask.session["role"] = "admin"
    flask.session["username"] = "ada"
    count = len(public.measures())
    shown = set(names_over(kiosk, range(count * 2), {"seconds": 15}))
    assert shown == {m.name for m in public.measures()}


def test_kio003_area_limits_the_rotation(kiosk, public):
    health = {m.name for m in public.measures("health")}
    assert set(names_over(kiosk, range(8), {"area": "health", "seconds": 5})) == health
    # An unknown area is ignored rather than showing nothing.
    everyone = {m.name for m in public.measures()}
    assert set(names_over(kiosk, range(len(everyone)), {"area": "nope"})) == everyone


def test_kio004_a_failed_tick_changes_nothing_and_the_next_one_recovers(kiosk, public, monkeypatch):
    real = kiosk.public_store

    def unreachable():
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    monkeypatch.setattr(kiosk, "public_store", unreachable)
    with pytest.raises(PreventUpdate):
        kiosk.advance(3, {"seconds": 15})
    monkeypatch.setattr(kiosk, "public_store", real)
    assert kiosk.advance(4, {"seconds": 15})[-1] == 4  # answered: the note can clear


@pytest.mark.parametrize("settings", [None, [], "x", 1, {"area": ["health"], "seconds": "a"}])
def test_kio005_forged_settings_are_ignored(kiosk, public, settings):
    assert kiosk.advance(1, settings)[1] == public.measures()[1].name


def test_kio006_layout_reads_interval_and_area(kiosk, public):
    page = kiosk.layout(interval="20", area="health")
    interval = next(c for c in walk(page) if isinstance(c, dcc.Interval) and c.id == kiosk.ids.tick)
    assert interval.interval == 20_000
    settings = by_id(page, kiosk.ids.settings)
    assert settings.data == {"area": "health", "seconds": 20}
    default = kiosk.layout()
    interval = by_id(default, kiosk.ids.tick)
    assert interval.interval == 15_000  # Config.kiosk_interval
    silly = kiosk.layout(interval="0", area="nope")
    interval = by_id(silly, kiosk.ids.tick)
    assert interval.interval == 1000


def test_kio007_nothing_to_press(kiosk):
    page = kiosk.layout()
    kinds = {type(c).__name__ for c in walk(page)}
    assert not kinds & {"A", "Button", "Input", "Dropdown", "Link", "Textarea", "Select"}
    graph = next(c for c in walk(page) if isinstance(c, dcc.Graph))
    assert graph.config["displayModeBar"] is False and graph.config["staticPlot"] is True


def test_kio008_kiosk_can_be_framed_by_configured_origins_only(demo_database_url):
    config = Config(
        database_url=demo_database_url,
        secret_key="t",
        frame_ancestors=("https://www.city.example", "https://intranet.city.example"),
    )
    client = create_app(config).server.test_client()
    allowed = "frame-ancestors 'self' https://www.city.example https://intranet.city.example"
    for path in ("/kiosk", "/kiosk?interval=20&area=health", "/public/measure/ems-response-time"):
        response = client.get(path)
        assert allowed in response.headers["Content-Security-Policy"], path
        assert "X-Frame-Options" not in response.headers
    admin = client.get("/admin/data")
    assert "frame-ancestors 'none'" in admin.headers["Content-Security-Policy"]
    assert admin.headers["X-Frame-Options"] == "DENY"


def test_kio009_default_interval_comes_from_the_configuration(demo_database_url, monkeypatch):
    app = create_app(Config(database_url=demo_database_url, secret_key="t", kiosk_interval=42))
    with app.server.test_request_context("/kiosk"):
        from pages import kiosk

        monkeypatch.setattr(kiosk, "cached_page", rendered_and_cached)
        page = kiosk.layout()
    interval = by_id(page, kiosk.ids.tick)
    assert interval.interval == 42_000
    assert Config.from_env({"STATROOM_KIOSK_INTERVAL": "30"}).kiosk_interval == 30


def test_kio010_the_first_view_is_served_from_the_cache(demo_request, monkeypatch):
    from components.serialization import to_json
    from pages import kiosk

    first = to_json(kiosk.layout(interval="20", area="health"))
    assert '"kiosk-graph"' in first
    monkeypatch.setattr(kiosk, "first_view", lambda *_: pytest.fail("rendered, not read"))
    assert to_json(kiosk.layout(interval="20", area="health")) == first
    # Another interval, area or host is another page.
    for query in ({"interval": "30", "area": "health"}, {"interval": "20"}):
        with pytest.raises(pytest.fail.Exception, match="rendered, not read"):
            kiosk.layout(**query)
    with demo_request.server.test_request_context("/kiosk", base_url="http://kiosk.example"):
        with pytest.raises(pytest.fail.Exception, match="rendered, not read"):
            kiosk.layout(interval="20", area="health")
