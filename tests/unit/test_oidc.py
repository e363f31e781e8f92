"""OpenID Connect single sign-on: role mapping, and the redirect to a real (loopback) issuer."""

from __future__ import annotations

import threading
from urllib.parse import parse_qs, urlsplit

import flask
import pytest
from werkzeug.serving import make_server

from api.oidc import parse_role_map, role_from_claims
from app import create_app
from data.config import Config


def test_sso001_role_map_parsing():
    assert parse_role_map("city-admins=admin stat-team=editor") == {
        "city-admins": "admin",
        "stat-team": "editor",
    }
    with pytest.raises(ValueError, match="GROUP=ROLE"):
        parse_role_map("everyone=superuser")


def test_sso002_highest_mapped_role_wins_and_unmapped_people_are_refused():
    role_map = {"staff": "viewer", "stat-team": "editor", "city-admins": "admin"}
    assert role_from_claims({"groups": ["staff", "stat-team"]}, "groups", role_map) == "editor"
    assert role_from_claims({"roles": "staff city-admins"}, "roles", role_map) == "admin"
    assert role_from_claims({"groups": ["parks"]}, "groups", role_map) is None
    assert role_from_claims({}, "groups", role_map) is None


@pytest.fixture
def issuer():
    """A loopback server publishing OpenID discovery metadata."""
    idp = flask.Flask("idp")
    state = {}

    @idp.get("/.well-known/openid-configuration")
    def discovery():
        base = state["url"]
        return {
            "issuer": base,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "jwks_uri": f"{base}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    server = make_server("127.0.0.1", 0, idp)
    state["url"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state["url"]
    server.shutdown()


def test_sso003_login_redirects_to_the_issuer_with_pkce(database_url, engine, issuer):
    config = Config(
        database_url=database_url,
        secret_key="t",
        oidc_issuer=issuer,
        oidc_client_id="statroom",
        oidc_client_secret="s3cret",
        oidc_role_map="staff=viewer",
    )
    client = create_app(config).server.test_client()
    response = client.get("/auth/oidc/login")
    assert response.status_code == 302
    target = urlsplit(response.location)
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{issuer}/authorize"
    query = parse_qs(target.query)
    assert query["client_id"] == ["statroom"]
    assert query["code_challenge_method"] == ["S256"] and query["state"][0]
    assert query["redirect_uri"] == ["http://localhost/auth/oidc/callback"]


def test_sso004_without_an_issuer_there_is_no_sso_route(database_url, engine):
    client = create_app(Config(database_url=database_url, secret_key="t")).server.test_client()
    assert client.get("/auth/oidc/login").status_code != 302
