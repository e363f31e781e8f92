"""Single sign-on with OpenID Connect, through Authlib.

Optional: install with ``pip install 'statroom[oidc]'`` and set
``STATROOM_OIDC_ISSUER``, ``STATROOM_OIDC_CLIENT_ID`` and ``STATROOM_OIDC_CLIENT_SECRET``.
Roles come from a claim in the ID token (``STATROOM_OIDC_ROLE_CLAIM``, default
``groups``) mapped by ``STATROOM_OIDC_ROLE_MAP`` ("city-admins=admin stat-team=editor
staff=viewer"). Someone with no mapped group is refused: single sign-on proves who
a person is, not that they should see internal measures.
"""

from __future__ import annotations

import flask

from data.models import ROLES
from data.store import ROLE_RANK

PROVIDER = "city"


def parse_role_map(text: str) -> dict[str, str]:
    """``"a=admin b=viewer"`` → {"a": "admin", "b": "viewer"}; unknown roles are refused."""
    mapping = {}
    for pair in text.split():
        group, _, role = pair.partition("=")
        if role not in ROLES or not group:
            raise ValueError(
                f"STATROOM_OIDC_ROLE_MAP entry {pair!r}: use GROUP=ROLE, "
                f"with ROLE one of {', '.join(ROLES)}"
            )
        mapping[group] = role
    return mapping


def role_from_claims(claims: dict, role_claim: str, role_map: dict[str, str]) -> str | None:
    """The highest Statroom role any of the person's groups maps to, or None."""
    groups = claims.get(role_claim) or []
    if isinstance(groups, str):
        groups = groups.split()
    roles = [role_map[g] for g in groups if g in role_map]
    return max(roles, key=ROLE_RANK.__getitem__) if roles else None


def register(server: flask.Flask, config) -> None:
    """Add /auth/oidc/login and /auth/oidc/callback when an issuer is configured."""
    if not config.oidc_issuer:
        return
    from authlib.integrations.flask_client import OAuth

    role_map = parse_role_map(config.oidc_role_map)
    oauth = OAuth(server)
    client = oauth.register(
        PROVIDER,
        client_id=config.oidc_client_id,
        client_secret=config.oidc_client_secret,
        server_metadata_url=config.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256"},
    )

    @server.get("/auth/oidc/login")
    def oidc_login():
        return client.authorize_redirect(flask.url_for("oidc_callback", _external=True))

    @server.get("/auth/oidc/callback")
    def oidc_callback():
        token = client.authorize_access_token()
        claims = token.get("userinfo") or {}
        role = role_from_claims(claims, config.oidc_role_claim, role_map)
        if role is None:
            return flask.redirect("/login?error=sso", code=303)
        flask.session.clear()
        flask.session["username"] = claims.get("preferred_username") or claims.get("email", "")
        flask.session["role"] = role
        flask.session.permanent = True
        return flask.redirect("/", code=303)
