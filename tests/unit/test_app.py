"""The app shell without a browser: health check, error states, page registry."""

from __future__ import annotations

import json
import re

import dash
import pytest

from app import HERE, create_app
from components.first_view import PRELOADED_FONTS
from components.layout import UNAVAILABLE_TITLE
from data.config import Config

UNREACHABLE = "postgresql+psycopg://statroom@127.0.0.1:1/nowhere"


@pytest.fixture
def client(database_url, engine):
    return create_app(Config(database_url=database_url, secret_key="test")).server.test_client()


@pytest.fixture
def broken_client():
    return create_app(Config(database_url=UNREACHABLE, secret_key="test")).server.test_client()


def test_app001_healthz_reports_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_app002_healthz_reports_unreachable_database(broken_client):
    response = broken_client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_app003_layout_shows_banner_not_trace_when_database_down(broken_client):
    response = broken_client.get("/_dash-layout")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert UNAVAILABLE_TITLE in body
    assert "Traceback" not in body and "OperationalError" not in body


def test_app004_index_is_served_without_cdn_links(client):
    html = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert "cdn." not in html and "unpkg" not in html and "googleapis" not in html
    assert "base/00-bootstrap.min.css" in html


def test_app020_the_page_asks_for_its_layout_and_fonts_before_its_scripts(client):
    html = client.get("/", follow_redirects=True).get_data(as_text=True)
    head = html[: html.index("</head>")]
    # Preloads in the head, so the server composes the page while the scripts load.
    for endpoint in ("/_dash-layout", "/_dash-dependencies"):
        assert f'<link rel="preload" href="{endpoint}" as="fetch" crossorigin="anonymous">' in head
    fonts = [f for f in PRELOADED_FONTS if f'href="/assets/{f}" as="font"' in head]
    assert fonts == list(PRELOADED_FONTS)
    # A preload of a missing file would cost a request and draw nothing.
    assert all((HERE / "assets" / font).is_file() for font in PRELOADED_FONTS)
    assert head.index('rel="preload"') < head.index('rel="stylesheet"')


def test_app021_fingerprinted_assets_are_kept_without_asking_again(client):
    html = client.get("/", follow_redirects=True).get_data(as_text=True)
    stylesheet = re.search(r'href="(/assets/base/00-bootstrap\.min\.css\?m=[^"]+)"', html)[1]
    first = client.get(stylesheet)
    kept = first.headers["Cache-Control"]
    assert set(kept.split(", ")) == {"public", "max-age=31536000", "immutable"}
    # A browser that kept the file before (as no-cache) revalidates once and learns it.
    again = client.get(stylesheet, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.headers["Cache-Control"] == kept
    # Without the fingerprint (a font a stylesheet names) the browser still revalidates.
    fonts = client.get(f"/assets/{PRELOADED_FONTS[0]}").headers["Cache-Control"]
    assert "immutable" not in fonts and "no-cache" in fonts
    assert "immutable" not in (client.get("/_dash-layout").headers.get("Cache-Control") or "")


def test_app005_unknown_path_has_404_page(client):
    assert "not_found_404" in {
        page["module"].split(".")[-1] for page in dash.page_registry.values()
    }
    layout = json.loads(client.get("/_dash-layout").get_data(as_text=True))
    assert layout  # the shell renders; the 404 body is checked in the browser tests


def test_app006_secret_key_and_cookie_flags(client):
    server = client.application
    assert server.secret_key == "test"
    assert server.config["SESSION_COOKIE_HTTPONLY"] is True
    assert server.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_app007_security_headers_forbid_inline_script_and_framing(client):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    script_src = next(d for d in policy.split("; ") if d.startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "'sha256-" in script_src
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_app008_kiosk_can_be_framed_by_configured_origins_only(database_url, engine):
    config = Config(
        database_url=database_url, secret_key="t", frame_ancestors=("https://www.city.example",)
    )
    client = create_app(config).server.test_client()
    policy = client.get("/kiosk").headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://www.city.example" in policy
    assert "frame-ancestors 'none'" in client.get("/").headers["Content-Security-Policy"]


def test_app009_anonymous_visitors_start_on_the_public_site(client):
    response = client.get("/")
    assert response.status_code == 302 and response.location == "/public"


def test_app010_staff_pages_ask_the_public_to_sign_in(demo_database_url):
    from components.layout import requires

    app = create_app(Config(database_url=demo_database_url, secret_key="t"))

    @requires("viewer")
    def staff_page():
        return "internal figures"

    with app.server.test_request_context("/"):
        prompt = staff_page()
        assert prompt != "internal figures"
        assert "Sign in to see this page" in str(prompt)
    with app.server.test_request_context("/"):
        import flask

        flask.session["role"] = "viewer"
        assert staff_page() == "internal figures"


def test_app011_dash_is_set_up_before_the_first_request(database_url, engine):
    # Concurrent first requests to a threaded worker failed while Dash set itself up
    # (plotly/dash#3971); create_app finishes that setup itself.
    app = create_app(Config(database_url=database_url, secret_key="test"))
    # Dash copies the pages' callbacks into the app, and adds its page router, in that setup.
    assert any("_pages_content.children" in key for key in app.callback_map)
    assert any("area-tiles.children" in key for key in app.callback_map)


def _pages_container(layout: dict) -> dict:
    """The node holding Dash Pages' location, content, store and dummy, by their ids."""

    def walk(node):
        if isinstance(node, dict):
            children = node.get("props", {}).get("children")
            if isinstance(children, list) and any(
                isinstance(c, dict) and c.get("props", {}).get("id") == "_pages_content"
                for c in children
            ):
                return node
            for value in node.get("props", {}).values():
                found = walk(value)
                if found:
                    return found
        if isinstance(node, list):
            for item in node:
                found = walk(item)
                if found:
                    return found
        return None

    return walk(layout)


def test_app012_first_view_is_rendered_into_the_shell(demo_database_url):
    # The layout request names its page in the Referer; the page comes with the shell, so
    # the browser needs no routing round trip before it can draw.
    app = create_app(
        Config(database_url=demo_database_url, secret_key="t", anonymous_role="viewer")
    )
    client = app.server.test_client()
    page = "http://localhost/measure/ems-response-time?range=2y&layers=history,target"
    container = _pages_container(client.get("/_dash-layout", headers={"Referer": page}).json)
    location, content, store, dummy = (c["props"] for c in container["props"]["children"])
    # The same ids as Dash Pages' own container, so its routing callback serves links.
    assert [c.id for c in dash.page_container.children] == [
        location["id"],
        content["id"],
        store["id"],
        dummy["id"],
    ]
    # The location starts at the page's URL, so it reports no change on mount.
    assert location["pathname"] == "/measure/ems-response-time"
    assert location["search"] == "?range=2y&layers=history,target"
    assert location["href"] == page and location["refresh"] == "callback-nav"
    assert store["data"] == {"title": "Average EMS response time · Statroom"}
    body = json.dumps(content["children"])
    assert "Average EMS response time" in body and '"measure-graph"' in body
    # The query reached the page's layout(): its switches show the two layers asked for.
    assert '"value": ["history", "target"], "id": "measure-layers"' in body

    # Without a Referer, or for a path no page serves, the container is empty as before
    # and the routing callback fills it.
    for headers in ({}, {"Referer": "http://localhost/no/such/page"}):
        container = _pages_container(client.get("/_dash-layout", headers=headers).json)
        location, content, store, _ = (c["props"] for c in container["props"]["children"])
        assert "children" not in content or content["children"] is None
        assert "pathname" not in location and "data" not in store


def test_app013_first_view_falls_back_when_the_page_fails(demo_database_url, monkeypatch):
    app = create_app(
        Config(database_url=demo_database_url, secret_key="t", anonymous_role="viewer")
    )
    page = next(p for p in dash.page_registry.values() if p["path"] == "/equity")

    def broken(**_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setitem(page, "layout", broken)
    response = app.server.test_client().get(
        "/_dash-layout", headers={"Referer": "http://localhost/equity"}
    )
    assert response.status_code == 200  # the shell still renders; the callback will retry
    container = _pages_container(response.json)
    assert container["props"]["children"][1]["props"].get("children") is None


def test_app014_served_app_keeps_startup_objects_out_of_full_gc_passes(database_url, engine):
    # gunicorn's ``app:server`` freezes what start-up built, so the collector's full
    # passes (which doubled the slowest page answers) visit only what requests make.
    import os
    import subprocess
    import sys

    script = "import gc, app; app.server; print(gc.get_freeze_count())"
    env = {**os.environ, "STATROOM_DATABASE_URL": database_url, "STATROOM_SECRET_KEY": "t"}
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    frozen = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=root, capture_output=True, text=True
    )
    assert frozen.returncode == 0, frozen.stderr
    assert int(frozen.stdout.strip().splitlines()[-1]) > 100_000


def test_app015_warming_puts_the_entry_pages_in_the_cache(demo_database_url, monkeypatch):
    from app import WARM_PAGES, warm_pages

    app = create_app(
        Config(database_url=demo_database_url, secret_key="t", anonymous_role="viewer")
    )
    from pages import home  # after the app: importing a page registers it with Dash

    assert ("/", "viewer") in WARM_PAGES and ("/kiosk", "public") in WARM_PAGES
    warm_pages(app.server)

    def rendered_again():
        pytest.fail("the overview was rendered again after warming")

    monkeypatch.setattr(home, "overview", rendered_again)
    served = app.server.test_client().get("/_dash-layout", headers={"Referer": "http://localhost/"})
    content = _pages_container(served.json)["props"]["children"][1]["props"]["children"]
    assert "performance overview" in json.dumps(content)


def test_app016_warming_an_unreachable_database_logs_and_goes_on(broken_client, caplog):
    from app import warm_pages

    warm_pages(broken_client.application)
    assert "pages start cold" in caplog.text


def test_app017_each_page_is_served_with_its_title_and_the_title_callback_waits(
    demo_database_url,
):
    import re

    from components.layout import PAGES_DUMMY

    app = create_app(
        Config(database_url=demo_database_url, secret_key="t", anonymous_role="viewer")
    )
    client = app.server.test_client()

    def title(path):
        return re.search(r"<title>(.*?)</title>", client.get(path).get_data(as_text=True))[1]

    assert title("/") == "Overview · Statroom"
    assert title("/measure/ems-response-time") == "Average EMS response time · Statroom"
    assert title("/no/such/page") == "Statroom"  # the routing callback's 404 sets its own
    # Dash Pages' title callback then runs only when the pages store changes (navigation).
    waits = [
        c["prevent_initial_call"]
        for c in app._callback_list
        if c["output"] == (f"{PAGES_DUMMY}.children")
    ]
    assert waits == [True]
    dependencies = client.get("/_dash-dependencies").json
    served = [c for c in dependencies if c["output"] == f"{PAGES_DUMMY}.children"]
    assert served[0]["prevent_initial_call"] is True


def test_app018_page_titles_are_escaped_in_the_html(demo_database_url, monkeypatch):
    from components import layout as shell

    app = create_app(
        Config(database_url=demo_database_url, secret_key="t", anonymous_role="viewer")
    )
    monkeypatch.setattr(shell, "page_title", lambda _path: "</title><script>x()</script>")
    html = app.server.test_client().get("/").get_data(as_text=True)
    assert "<title>&lt;/title&gt;&lt;script&gt;x()&lt;/script&gt;</title>" in html
    assert "<script>x()" not in html


def _component(tree, component_id):
    """The props of the component ``component_id`` in a layout's JSON."""
    if isinstance(tree, list):
        for item in tree:
            found = _component(item, component_id)
            if found is not None:
                return found
    elif isinstance(tree, dict):
        if tree.get("props", {}).get("id") == component_id:
            return tree["props"]
        for value in tree.values():
            found = _component(value, component_id)
            if found is not None:
                return found
    return None


def test_app019_page_locations_start_at_the_url_the_page_is_rendered_for(demo_database_url):
    # A location that starts unset reports the URL on mount and fires its callbacks; one
    # that starts at the URL does not. Both routes to a page know the URL.
    app = create_app(
        Config(database_url=demo_database_url, secret_key="t", anonymous_role="viewer")
    )
    client = app.server.test_client()
    pages = {
        "measure-url": ("/measure/ems-response-time", "?range=2y&layers=history"),
        "equity-url": ("/equity", "?measure=ems-response-time&period=2026-09-01"),
    }
    for component_id, (path, search) in pages.items():
        # The first view: the layout request's Referer.
        referer = f"http://localhost{path}{search}"
        layout = client.get("/_dash-layout", headers={"Referer": referer}).json
        location = _component(layout, component_id)
        assert (location["pathname"], location["search"], location["refresh"]) == (
            path,
            search,
            False,
        )
        # A link within the app: Dash Pages' routing callback, given the new URL.
        routing = next(
            d
            for d in client.get("/_dash-dependencies").json
            if d["output"] == ".._pages_content.children..._pages_store.data.."
        )
        answer = client.post(
            "/_dash-update-component",
            json={
                "output": routing["output"],
                "outputs": [
                    {"id": "_pages_content", "property": "children"},
                    {"id": "_pages_store", "property": "data"},
                ],
                "inputs": [
                    {"id": "_pages_location", "property": "pathname", "value": path},
                    {"id": "_pages_location", "property": "search", "value": search},
                ],
                "state": [],
                "changedPropIds": ["_pages_location.pathname"],
            },
        ).json
        location = _component(answer["response"]["_pages_content"]["children"], component_id)
        assert (location["pathname"], location["search"]) == (path, search)

    # Rendered outside a request for a URL (a test calling layout()): left to the browser.
    from components.layout import page_location

    with app.server.test_request_context("/"):
        assert page_location("x").to_plotly_json()["props"] == {"id": "x", "refresh": False}
