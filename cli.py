"""The ``statroom`` command line.

Every command reads ``STATROOM_DATABASE_URL`` (default: a SQLite file under
``instance/``) and works on that database.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from data.config import Config
from data.db import is_empty, make_engine, migrate


def _engine():
    return make_engine(Config.from_env().database_url)


@click.group()
def main() -> None:
    """Statroom: performance management for city Stat programs."""


@main.command("migrate")
def migrate_command() -> None:
    """Create the database or bring its schema up to date."""
    engine = _engine()
    migrate(engine)
    click.echo(f"Database is up to date: {engine.url.render_as_string(hide_password=True)}")


@main.command("demo")
@click.option(
    "--size",
    type=click.Choice(["demo", "large"]),
    default="demo",
    show_default=True,
    help="demo: a mid-sized city; large: a deterministic large city for benchmarks.",
)
@click.option("--if-empty", is_flag=True, help="Only load when the database has no measures yet.")
@click.option("--no-refresh", is_flag=True, help="Skip computing the stored analytics.")
def demo_command(size: str, if_empty: bool, no_refresh: bool) -> None:
    """Write the demo city into the configured database."""
    from data.demo import load_demo

    engine = _engine()
    migrate(engine)
    if if_empty and not is_empty(engine):
        click.echo("The database already holds data; the demo city was not loaded.")
        return
    started = time.perf_counter()
    rows = load_demo(engine, size=size, progress=True)
    click.echo(
        f"Loaded the {size} city: {rows:,} observations in {time.perf_counter() - started:.1f} s."
    )
    if not no_refresh:
        _run_refresh(engine, None)
    _announce_demo_accounts(engine)


def _announce_demo_accounts(engine) -> None:
    from data.users import DEMO_ACCOUNTS, DEMO_PASSWORD, create_demo_accounts

    create_demo_accounts(engine)
    click.echo(f"Demo accounts (password for each: {DEMO_PASSWORD}):")
    for username, role, _name in DEMO_ACCOUNTS:
        click.echo(f"  {username:12} {role}")
    click.echo(
        "These exist for trying Statroom out; remove them before real use "
        "(statroom user remove NAME)."
    )


@main.command("check")
@click.argument("catalog", type=click.Path(path_type=Path))
@click.argument("observations", nargs=-1, type=click.Path(path_type=Path))
def check_command(catalog: Path, observations: tuple[Path, ...]) -> None:
    """Validate a catalog and observation files; writes nothing."""
    from data.validation import validate_files

    report = validate_files(catalog, list(observations))
    click.echo(report.format())
    sys.exit(0 if report.ok else 1)


@main.command("import")
@click.argument("catalog", type=click.Path(path_type=Path))
@click.argument("observations", nargs=-1, type=click.Path(path_type=Path))
@click.option("--user", default="", help="Who is importing, for the import history.")
@click.option("--no-refresh", is_flag=True, help="Skip recomputing the touched measures.")
def import_command(
    catalog: Path, observations: tuple[Path, ...], user: str, no_refresh: bool
) -> None:
    """Validate, then import atomically: everything or nothing."""
    from data.importer import import_files

    engine = _engine()
    migrate(engine)
    result = import_files(
        engine, catalog, list(observations), user=user or _os_user(), progress=True
    )
    click.echo(result.report.format())
    if not result.ok:
        click.echo("Nothing was imported.", err=True)
        sys.exit(1)
    click.echo(
        f"Imported {result.rows_written:,} observations for {len(result.measure_ids)} measures."
    )
    if not no_refresh:
        _run_refresh(engine, sorted(result.measure_ids))


@main.command("refresh")
@click.option("--measure", "measure_ids", multiple=True, help="Only these measures (repeatable).")
def refresh_command(measure_ids: tuple[str, ...]) -> None:
    """Recompute the stored analytics."""
    engine = _engine()
    migrate(engine)
    _run_refresh(engine, list(measure_ids) or None)


def _run_refresh(engine, measure_ids) -> None:
    from data.refresh import refresh

    started = time.perf_counter()
    result = refresh(engine, measure_ids=measure_ids, progress=True)
    click.echo(
        f"Refreshed {result.measures} measures in {time.perf_counter() - started:.1f} s"
        + (f"; {len(result.failures)} forecasts could not be fitted." if result.failures else ".")
    )


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8050, show_default=True, type=int)
@click.option("--debug/--no-debug", default=False, show_default=True)
def serve_command(host: str, port: int, debug: bool) -> None:
    """Run the app with the built-in server (use gunicorn in production)."""
    from app import create_app, prepare_to_serve

    engine = _engine()
    migrate(engine)
    app = create_app(Config.from_env())
    prepare_to_serve(app.server)
    app.run(host=host, port=port, debug=debug)


@main.group("user")
def user_group() -> None:
    """Manage staff accounts (roles: viewer, editor, admin)."""


@user_group.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(["viewer", "editor", "admin"]), required=True)
@click.option("--name", "display_name", default="", help="The name shown in the app.")
@click.option(
    "--password",
    envvar="STATROOM_NEW_PASSWORD",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Prompted for when omitted.",
)
def user_add(username: str, role: str, display_name: str, password: str) -> None:
    """Add an account."""
    from data.users import AccountError, add_user

    engine = _engine()
    migrate(engine)
    try:
        account = add_user(engine, username, password, role, display_name)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Added {account.username} ({account.role}).")


@user_group.command("remove")
@click.argument("username")
def user_remove(username: str) -> None:
    """Remove an account."""
    from data.users import AccountError, remove_user

    engine = _engine()
    migrate(engine)
    try:
        remove_user(engine, username)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Removed {username}.")


@user_group.command("list")
def user_list() -> None:
    """List accounts."""
    from data.users import list_users

    engine = _engine()
    migrate(engine)
    accounts = list_users(engine)
    if not accounts:
        click.echo("No accounts yet. Add one with: statroom user add NAME --role admin")
    for account in accounts:
        state = "" if account.is_active else " (inactive)"
        click.echo(f"{account.username:24} {account.role:8} {account.display_name}{state}")


def _os_user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except OSError:
        return ""


if __name__ == "__main__":
    main()
