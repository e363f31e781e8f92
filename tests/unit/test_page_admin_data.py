"""The data admin page (/admin/data) as plain functions: access, report, import, history.

Imports write, so they run on a copy of the demo database.
"""

from __future__ import annotations

import base64
from pathlib import Path

import dash
import flask
import pytest
from dash._callback_context import context_value
from dash._utils import AttributeDict
from sqlalchemy import func, select

from app import create_app
from components.context import current_viewer
from data.config import Config
from data.importer import import_uploads_as
from data.models import ImportLog, MeasureSummary
from data.store import Viewer
from tests.helpers import copy_sqlite, text_of, walk

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FILES = ["catalog.yaml", "neighborhoods.geojson", "observations.csv"]


def data_url(content: bytes) -> str:
    return "data:application/octet-stream;base64," + base64.b64encode(content).decode()


def upload(names=FILES, replace: dict[str, bytes] | None = None):
    replace = replace or {}
    contents = [data_url(replace.get(n, (EXAMPLES / n).read_bytes())) for n in names]
    return contents, list(names)


def sign_in(role: str, username: str = "ada") -> None:
    flask.session["role"] = role
    flask.session["username"] = username


@pytest.fixture
def demo_copy(demo_database_url, tmp_path) -> str:
    return copy_sqlite(demo_database_url, tmp_path / "copy.db")


@pytest.fixture
def app(demo_copy):
    return create_app(Config(database_url=demo_copy, secret_key="test", anonymous_role="viewer"))


@pytest.fixture
def admin_page(app):
    with app.server.test_request_context("/admin/data"):
        from pages import admin_data

        yield admin_data


def imports(app) -> int:
    engine = app.server.extensions["statroom"].engine
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(ImportLog)).scalar_one()


def test_adm001_only_admins_see_the_page(admin_page):
    assert "Sign in to see this page" in text_of(admin_page.layout())
    sign_in("editor")
    assert "Sign in to see this page" in text_of(admin_page.layout())
    sign_in("admin")
    page = text_of(admin_page.layout())
    assert "Data imports" in page and "Import history" in page
    assert "demo city" in page  # the demo's own import is in the history


@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_adm002_the_check_refuses_anyone_but_an_admin(admin_page, role):
    sign_in(role)
    files, report, checked, disabled, _result = admin_page.check(*upload())
    assert "Only Statroom administrators" in text_of(report)
    assert checked is None and disabled is True and files is None


def test_adm003_a_clean_upload_enables_the_import(admin_page):
    sign_in("admin")
    files, report, checked, disabled, _result = admin_page.check(*upload())
    assert disabled is False and checked["digest"]
    words = text_of(report)
    assert "No problems found" in words and "observations.csv: 76 observations." in words
    assert "catalog.yaml" in text_of(files)


def test_adm004_problems_are_listed_row_by_row_and_block_the_import(admin_page):
    sign_in("admin")
    bad = (EXAMPLES / "observations.csv").read_bytes() + (
        b"pothole-repair-days,2025-13,citywide,abc,,\nno-such-measure,2025-01,citywide,3,,\n"
    )
    _files, report, checked, disabled, _ = admin_page.check(
        *upload(replace={"observations.csv": bad})
    )
    assert disabled is True and checked is None
    rows = [
        [text_of(cell) for cell in row.children]
        for row in walk(report)
        if type(row).__name__ == "Tr" and type(row.children[0]).__name__ == "Td"
    ]
    assert ["observations.csv", "78", "period"] == rows[0][:3]
    assert any(
        r[:3] == ["observations.csv", "78", "value"] and "not a number" in r[3] for r in rows
    )
    assert any(r[:3] == ["observations.csv", "79", "measure"] for r in rows)
    assert "Found 3 problems" in text_of(report)


def test_adm005_unusable_uploads_get_a_clear_message(admin_page, monkeypatch):
    sign_in("admin")
    no_catalog = admin_page.check(*upload(["observations.csv"]))[1]
    assert "Add the catalog" in text_of(no_catalog)
    two = upload(["catalog.yaml", "catalog.yaml"])
    assert "one catalog per import" in text_of(admin_page.check(*two)[1])
    monkeypatch.setattr(admin_page, "MAX_UPLOAD_BYTES", 2048)
    too_big = text_of(admin_page.check(*upload())[1])
    assert "one import can take up to" in too_big and "MB" in too_big
    garbled = admin_page.check(["data:text/csv;base64,@@@"], ["x.yaml"])[1]
    assert "could not be read" in text_of(garbled)
    forged = admin_page.check([{"not": "a file"}], 7)[1]
    assert "could not be read" in text_of(forged)


def test_adm006_confirmed_import_writes_logs_and_refreshes(admin_page, app):
    sign_in("admin")
    contents, names = upload()
    checked = admin_page.check(contents, names)[2]
    progress = []
    result, history, checked_after, report = admin_page.run_import(
        progress.append, 1, contents, names, checked
    )
    assert "Imported 76 observations" in text_of(result)
    assert checked_after is None  # the same files cannot be imported twice by accident
    assert "ada" in text_of(history) and "Imported" in text_of(history)
    assert progress[-1] == (100, "Done.") and any("Writing observations" in p[1] for p in progress)
    engine = app.server.extensions["statroom"].engine
    with engine.connect() as conn:
        stored = conn.execute(
            select(MeasureSummary.measure_id).where(MeasureSummary.measure_id == "library-visits")
        ).all()
        user = conn.execute(select(ImportLog.user).order_by(ImportLog.id.desc())).scalars().first()
    assert stored and user == "ada"
    assert "have been imported" in text_of(report)


@pytest.mark.parametrize("role", ["public", "viewer", "editor"])
def test_adm007_the_import_job_refuses_anyone_but_an_admin(admin_page, app, role):
    before = imports(app)
    sign_in(role)
    contents, names = upload()
    forged = {"digest": admin_page.digest(admin_page.decode_uploads(contents, names))}
    result = admin_page.run_import(list, 1, contents, names, forged)[0]
    assert "Only Statroom administrators" in text_of(result)
    assert imports(app) == before


def test_adm008_files_changed_after_the_check_are_not_imported(admin_page, app):
    sign_in("admin")
    contents, names = upload()
    checked = admin_page.check(contents, names)[2]
    before = imports(app)
    other = upload(["catalog.yaml", "neighborhoods.geojson"])
    result = admin_page.run_import(list, 1, *other, checked)[0]
    assert "changed after they were checked" in text_of(result)
    assert admin_page.run_import(list, 1, contents, names, None)[0] is not None
    assert imports(app) == before


def test_adm009_the_data_layer_refuses_imports_by_non_admins(app):
    engine = app.server.extensions["statroom"].engine
    catalog = ("catalog.yaml", (EXAMPLES / "catalog.yaml").read_bytes())
    for viewer in (Viewer(), Viewer("viewer", "v"), Viewer("editor", "e")):
        with pytest.raises(PermissionError):
            import_uploads_as(viewer, engine, catalog, [])
    geojson = {"neighborhoods.geojson": (EXAMPLES / "neighborhoods.geojson").read_bytes()}
    result = import_uploads_as(Viewer("admin", "ada"), engine, catalog, [], geojson)
    assert result.ok
    with engine.connect() as conn:
        user = conn.execute(select(ImportLog.user).where(ImportLog.id == result.log_id)).scalar()
    assert user == "ada"


def test_adm010_a_background_job_trusts_only_a_validly_signed_session(app):
    from pages import admin_data

    server = app.server
    serializer = server.session_interface.get_signing_serializer(server)
    good = serializer.dumps({"role": "admin", "username": "ada"})
    forged = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")
    cookie = server.config["SESSION_COOKIE_NAME"]
    assert dash.get_app() is app
    for value, expected in ((good, "admin"), (forged, "viewer"), (None, "viewer")):
        token = context_value.set(AttributeDict(cookies={cookie: value} if value else {}))
        try:
            assert not flask.has_request_context()
            with admin_data.job_request_context() as job_server:
                assert job_server is server
                assert current_viewer().role == expected
            assert not flask.has_request_context()
        finally:
            context_value.reset(token)
