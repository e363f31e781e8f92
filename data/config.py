"""Configuration read from the environment, in one place."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "instance" / "statroom.db"


def default_database_url() -> str:
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


@dataclass(frozen=True)
class Config:
    """Runtime settings. Build one with :meth:`from_env` or pass values in tests."""

    database_url: str = field(default_factory=default_database_url)
    secret_key: str = ""
    cache_url: str | None = None
    #: Origins allowed to embed the kiosk in an iframe (CSP ``frame-ancestors``).
    frame_ancestors: tuple[str, ...] = ()
    debug: bool = False
    #: What a visitor who has not signed in may see: "public" (public measures only)
    #: or "viewer" (internal measures too, for a city intranet without accounts).
    anonymous_role: str = "public"
    #: Send the session cookie over HTTPS only. Turn on wherever Statroom is served over TLS.
    secure_cookies: bool = False
    #: OpenID Connect single sign-on (api/oidc.py); off while the issuer is empty.
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_role_claim: str = "groups"
    oidc_role_map: str = ""
    #: Seconds the kiosk shows each measure, unless its URL says otherwise (?interval=).
    kiosk_interval: int = 15

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Config:
        env = os.environ if environ is None else environ
        return cls(
            database_url=env.get("STATROOM_DATABASE_URL") or default_database_url(),
            # A random key keeps one process safe; several workers need a shared key.
            secret_key=env.get("STATROOM_SECRET_KEY") or secrets.token_hex(32),
            cache_url=env.get("STATROOM_CACHE_URL") or None,
            frame_ancestors=tuple(env.get("STATROOM_FRAME_ANCESTORS", "").split()),
            debug=env.get("STATROOM_DEBUG", "") == "1",
            anonymous_role=env.get("STATROOM_ANONYMOUS_ROLE", "public"),
            secure_cookies=env.get("STATROOM_SECURE_COOKIES", "") == "1",
            oidc_issuer=env.get("STATROOM_OIDC_ISSUER", ""),
            oidc_client_id=env.get("STATROOM_OIDC_CLIENT_ID", ""),
            oidc_client_secret=env.get("STATROOM_OIDC_CLIENT_SECRET", ""),
            oidc_role_claim=env.get("STATROOM_OIDC_ROLE_CLAIM", "groups"),
            oidc_role_map=env.get("STATROOM_OIDC_ROLE_MAP", ""),
            kiosk_interval=int(env.get("STATROOM_KIOSK_INTERVAL") or 15),
        )
