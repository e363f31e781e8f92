"""Accounts, sign-in and sign-out."""

from __future__ import annotations

import flask
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from api import auth
from app import AppState
from cli import main
from components.context import EXTENSION_KEY, current_viewer
from data.config import Config
from data.models import User
from data.users import AccountError, add_user, authenticate, list_users, remove_user

PASSWORD = "correct horse battery"


@pytest.fixture
def server(engine):
    app = flask.Flask(__name__)
    app.secret_key = "test"
    app.extensions[EXTENSION_KEY] = AppState(
        Config(database_url="unused", anonymous_role="public"), engine
    )
    auth.register(app)

    @app.get("/whoami")
    def whoami():
        viewer = current_viewer()
        return {"role": viewer.role, "username": viewer.username}

    add_user(engine, "dana", PASSWORD, "editor", "Dana Analyst")
    return app


def test_aut001_passwords_are_hashed(engine, server):
    with engine.connect() as conn:
        stored = conn.execute(select(User.password_hash)).scalar_one()
    assert PASSWORD not in stored and stored.startswith("scrypt:")


def test_aut002_authenticate(engine, server):
    assert authenticate(engine, "dana", PASSWORD).role == "editor"
    assert authenticate(engine, "dana", "wrong password!") is None
    assert authenticate(engine, "nobody", PASSWORD) is None


def test_aut003_account_rules(engine):
    with pytest.raises(AccountError, match="at least"):
        add_user(engine, "short", "abc", "viewer")
    with pytest.raises(AccountError, match="Role"):
        add_user(engine, "x", PASSWORD, "superuser")
    add_user(engine, "sam", PASSWORD, "viewer")
    with pytest.raises(AccountError, match="already"):
        add_user(engine, "sam", PASSWORD, "viewer")
    remove_user(engine, "sam")
    assert list_users(engine) == []
    with pytest.raises(AccountError):
        remove_user(engine, "sam")


def test_aut004_sign_in_sets_the_role_and_sign_out_clears_it(server):
    client = server.test_client()
    assert client.get("/whoami").get_json()["role"] == "public"
    response = client.post(
        "/auth/login", data={"username": "dana", "password": PASSWORD, "next": "/meetings"}
    )
    assert response.status_code == 303 and response.location == "/meetings"
    assert client.get("/whoami").get_json() == {"role": "editor", "username": "dana"}
    client.post("/auth/logout")
    assert client.get("/whoami").get_json()["role"] == "public"


def test_aut005_wrong_password_returns_to_the_form(server):
    client = server.test_client()
    response = client.post("/auth/login", data={"username": "dana", "password": "nope"})
    assert response.status_code == 303 and response.location.startswith("/login?error=1")
    assert client.get("/whoami").get_json()["role"] == "public"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"]
)
def test_aut006_no_open_redirect(server, target):
    response = server.test_client().post(
        "/auth/login", data={"username": "dana", "password": PASSWORD, "next": target}
    )
    assert response.location == "/"


def test_aut007_cross_origin_post_is_refused(server):
    response = server.test_client().post(
        "/auth/login",
        data={"username": "dana", "password": PASSWORD},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403


def test_aut008_cli_manages_users(database_url, engine, monkeypatch):
    monkeypatch.setenv("STATROOM_DATABASE_URL", database_url)
    runner = CliRunner()
    added = runner.invoke(main, ["user", "add", "lee", "--role", "admin", "--password", PASSWORD])
    assert added.exit_code == 0, added.output
    assert "lee" in runner.invoke(main, ["user", "list"]).output
    refused = runner.invoke(main, ["user", "add", "lee", "--role", "admin", "--password", PASSWORD])
    assert refused.exit_code != 0 and "already" in refused.output
    assert runner.invoke(main, ["user", "remove", "lee"]).exit_code == 0
