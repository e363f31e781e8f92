"""Forged callback requests: every server callback, asked for internal measures.

The browser is bypassed entirely: each callback in the app's callback map gets
a hand-built POST to ``/_dash-update-component`` whose inputs and states name
internal measures in every shape a page might accept (an id, a path, a query
string, a dict, a list). An anonymous public visitor must get nothing internal
back, and a signed-in viewer (read-only) must not be able to change anything.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from app import create_app
from data.config import Config
from data.db import make_engine
from data.models import ActionItem, ActionStatusChange, AgendaItem, Annotation, Meeting, MeetingNote
from data.store import SYSTEM, Store

WRITABLE_TABLES = [Meeting, AgendaItem, MeetingNote, ActionItem, ActionStatusChange, Annotation]


def _page_paths(internal_id: str, area_id: str) -> list[str]:
    """Every registered page, with path variables filled with internal ids."""
    import re

    import dash

    fill = {"measure_id": internal_id, "area_id": area_id}
    return sorted(
        {
            re.sub(
                r"<(\w+)>", lambda m: fill.get(m.group(1), "1"), p.get("path_template") or p["path"]
            )
            for p in dash.page_registry.values()
        }
    )


def _candidates(internal_id: str, area_id: str) -> list:
    return [
        *_page_paths(internal_id, area_id),
        internal_id,
        f"/measure/{internal_id}",
        f"/area/{area_id}",
        f"?measure={internal_id}",
        f"?measure={internal_id}&geography=all",
        {"measure_id": internal_id, "id": internal_id},
        [internal_id],
        1,
    ]


def _parse_output(output: str) -> list[dict]:
    def one(spec: str) -> dict:
        component, _, prop = spec.rpartition(".")
        if component.startswith("{"):
            component = json.loads(component)
        return {"id": component, "property": prop}

    if output.startswith(".."):
        return [one(part) for part in output.strip(".").split("...")]
    return [one(output)]


def _concrete(component_id, value):
    """Replace pattern-matching wildcards with a concrete value."""
    if isinstance(component_id, dict):
        return {k: (value if isinstance(v, list) else v) for k, v in component_id.items()}
    return component_id


def _is_wildcard(component_id) -> bool:
    return isinstance(component_id, dict) and any(
        isinstance(v, list) for v in component_id.values()
    )


def _payload(dependency: dict, value) -> dict:
    def filled(items):
        out = []
        for item in items:
            if _is_wildcard(item["id"]):
                out.append(
                    [
                        {
                            "id": _concrete(item["id"], str(value)),
                            "property": item["property"],
                            "value": value,
                        }
                    ]
                )
            else:
                out.append({"id": item["id"], "property": item["property"], "value": value})
        return out

    outputs = _parse_output(dependency["output"])
    inputs = filled(dependency["inputs"])
    return {
        "output": dependency["output"],
        "outputs": outputs if dependency["output"].startswith("..") else outputs[0],
        "inputs": inputs,
        "state": filled(dependency.get("state", [])),
        "changedPropIds": [
            f"{json.dumps(i['id']) if isinstance(i['id'], dict) else i['id']}.{i['property']}"
            for i in dependency["inputs"][:1]
        ],
    }


def _server_callbacks(client) -> list[dict]:
    client.get("/")  # Dash finishes its setup on the first request
    dependencies = client.get("/_dash-dependencies").get_json()
    return [d for d in dependencies if not d.get("clientside_function")]


@pytest.fixture
def internal_markers(demo_database_url):
    # Read with full rights and split by the flag, so a broken visibility filter in the
    # Store cannot also blind this test.
    everything = Store(make_engine(demo_database_url), SYSTEM).measures()
    public_names = [m.name for m in everything if m.is_public]
    internal = [m for m in everything if not m.is_public]
    assert internal, "the demo city must have internal measures"
    # Only texts that cannot appear by accident inside public text.
    markers = [m.name for m in internal if not any(m.name in p for p in public_names)]
    return internal, markers


def _post(client, dependency, value):
    return client.post("/_dash-update-component", json=_payload(dependency, value))


def test_acc001_public_gets_nothing_internal_from_any_callback(demo_database_url, internal_markers):
    internal, markers = internal_markers
    app = create_app(
        Config(database_url=demo_database_url, secret_key="t", anonymous_role="public")
    )
    client = app.server.test_client()
    callbacks = _server_callbacks(client)
    assert any("_pages_content" in d["output"] for d in callbacks)
    for dependency in callbacks:
        for measure in internal[:3]:
            for value in _candidates(measure.id, measure.area_id):
                response = _post(client, dependency, value)
                body = response.get_data(as_text=True)
                leaked = [m for m in markers if m in body]
                assert not leaked, f"{dependency['output']} leaked {leaked} for {value!r}"
                assert "Traceback" not in body


def test_acc002_read_only_viewer_cannot_write_through_any_callback(demo_database_url):
    engine = make_engine(demo_database_url)

    def counts():
        with engine.connect() as conn:
            return {
                t.__tablename__: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in WRITABLE_TABLES
            }

    before = counts()
    app = create_app(
        Config(database_url=demo_database_url, secret_key="t", anonymous_role="viewer")
    )
    client = app.server.test_client()
    internal = [m for m in Store(engine, SYSTEM).measures() if not m.is_public]
    for dependency in _server_callbacks(client):
        for value in _candidates(internal[0].id, internal[0].area_id) + ["A forged note", 999]:
            _post(client, dependency, value)
    assert counts() == before
