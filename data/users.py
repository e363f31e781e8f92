"""Accounts for city staff: hashed passwords and roles.

Passwords are hashed with werkzeug's scrypt; only the hash is stored.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, delete, select
from werkzeug.security import check_password_hash, generate_password_hash

from data.models import ROLES, User
from data.store import Viewer

MIN_PASSWORD_LENGTH = 10
# Checked against when a username does not exist, so both paths take as long.
_DUMMY_HASH = generate_password_hash("statroom-timing-equaliser")


class AccountError(ValueError):
    """A user-facing problem with an account request."""


@dataclass(frozen=True)
class Account:
    username: str
    display_name: str
    role: str
    is_active: bool


def add_user(
    engine: Engine, username: str, password: str, role: str, display_name: str = ""
) -> Account:
    username = username.strip()
    if not username:
        raise AccountError("A username is required.")
    if role not in ROLES:
        raise AccountError(f"Role must be one of {', '.join(ROLES)}.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Passwords need at least {MIN_PASSWORD_LENGTH} characters.")
    with engine.begin() as conn:
        if conn.execute(select(User.id).where(User.username == username)).first():
            raise AccountError(f"There is already a user called {username!r}.")
        conn.execute(
            User.__table__.insert().values(
                username=username,
                display_name=display_name or username,
                password_hash=generate_password_hash(password),
                role=role,
                is_active=True,
            )
        )
    return Account(username, display_name or username, role, True)


def remove_user(engine: Engine, username: str) -> None:
    with engine.begin() as conn:
        if conn.execute(delete(User).where(User.username == username)).rowcount == 0:
            raise AccountError(f"There is no user called {username!r}.")


def list_users(engine: Engine) -> list[Account]:
    stmt = select(User.username, User.display_name, User.role, User.is_active).order_by(
        User.username
    )
    with engine.connect() as conn:
        return [Account(*row) for row in conn.execute(stmt)]


def authenticate(engine: Engine, username: str, password: str) -> Viewer | None:
    """The signed-in viewer for these credentials, or None."""
    stmt = select(User.password_hash, User.role, User.is_active).where(
        User.username == username.strip()
    )
    with engine.connect() as conn:
        row = conn.execute(stmt).first()
    if row is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    password_hash, role, is_active = row
    if not is_active or not check_password_hash(password_hash, password):
        return None
    return Viewer(role, username.strip())


#: Accounts ``statroom demo`` creates so a new user can try every role. Demo databases only.
DEMO_PASSWORD = "statroom-demo"
DEMO_ACCOUNTS = (
    ("demo-admin", "admin", "Demo administrator"),
    ("demo-editor", "editor", "Demo meeting facilitator"),
    ("demo-viewer", "viewer", "Demo department manager"),
)


def create_demo_accounts(engine: Engine) -> list[Account]:
    """Add the demo accounts that do not exist yet; returns those added."""
    existing = {account.username for account in list_users(engine)}
    return [
        add_user(engine, username, DEMO_PASSWORD, role, name)
        for username, role, name in DEMO_ACCOUNTS
        if username not in existing
    ]
