"""The `app` command: Litestar's CLI (run, routes, database …) plus our own commands.

Without DATABASE_URL, the command starts an embedded PostgreSQL under the data folder first, hands
its URL to everything it runs (API, worker, migrations) and stops it on exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import logging
import os
import signal
import sys
from pathlib import Path
from types import FrameType

import click
import msgspec
from click import Group
from litestar.plugins import CLIPluginProtocol

from app.config.logging import configure_logging
from app.config.settings import SettingsError, get_settings, load_settings

logger = logging.getLogger("app")

# Commands that never touch the database: no embedded server for them.
NO_DATABASE_COMMANDS = {"version", "schema", "--help", "-h", "--version"}
# Set to the data folder while the database is the embedded one (messages then name the folder).
EMBEDDED_MARKER = "MUTIROES_EMBEDDED_DATA_DIR"


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    sys.exit(128 + signum)


def main() -> None:
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        sys.exit(2)
    configure_logging(settings)
    # SIGTERM unwinds like Ctrl-C, so the embedded database is stopped too.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    os.environ.setdefault("LITESTAR_APP", "app.api.app:create_app")
    args = sys.argv[1:]
    with contextlib.ExitStack() as stack:
        if settings.database_url is None and args and not NO_DATABASE_COMMANDS.intersection(args):
            from app.config.embedded_database import embedded_database

            os.environ["DATABASE_URL"] = stack.enter_context(embedded_database(settings.data_dir))
            os.environ[EMBEDDED_MARKER] = str(settings.data_dir)
        get_settings.cache_clear()
        from litestar.cli.main import litestar_group

        litestar_group(prog_name="app")


def upgrade_database() -> None:
    """Migrate, or stop with one line when the database was made by an earlier, incompatible version."""
    from app.config.migrations import SchemaFromEarlierVersion
    from app.config.migrations import upgrade_database as upgrade

    embedded = os.environ.get(EMBEDDED_MARKER)
    try:
        upgrade(get_settings(), embedded_data_dir=Path(embedded) if embedded else None)
    except SchemaFromEarlierVersion as exc:
        print(exc, file=sys.stderr)
        sys.exit(1)


@click.command(name="serve", help="Migrate, then serve the API on HOST:PORT with a Procrastinate worker in-process.")
@click.option("--no-worker", is_flag=True, help="Serve the API only.")
def serve_command(no_worker: bool) -> None:
    import uvicorn

    from app.api.app import create_app

    settings = msgspec.structs.replace(get_settings(), run_worker_in_process=not no_worker)
    upgrade_database()
    if not settings.is_production:
        asyncio.run(_load_demo_data())
    print(f"Mutirões API on {settings.public_url}/ — docs at {settings.public_url}/schema/", flush=True)
    # log_config=None: uvicorn keeps our handler (JSON or text, with the request id) instead of its own.
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host=settings.host, port=settings.port, log_level="info", log_config=None)
    )
    server.run()


async def _load_demo_data() -> None:
    from app.config.database import create_engine, create_session_maker
    from app.demo_data import announce, load_demo_data
    from app.domain.accounts.passwords import PasswordHashing

    settings = get_settings()
    engine = create_engine(settings)
    try:
        async with create_session_maker(engine)() as session, session.begin():
            loaded = await load_demo_data(session, PasswordHashing.from_settings(settings))
    finally:
        await engine.dispose()
    if loaded:
        announce()


@click.command(name="demo", help="Load the demo data (people and ~50 events) unless it is already there.")
def demo_command() -> None:
    asyncio.run(_load_demo_data())


@click.group(name="users", help="Manage accounts: staff rights.")
def users_group() -> None:
    pass


@users_group.command(name="create-staff", help="Create a staff account (asks for the password).")
@click.option("--username", required=True)
@click.option("--email", required=True)
@click.option("--password", default=None, help="Default: asked interactively.")
def create_staff_command(username: str, email: str, password: str | None) -> None:
    from app.domain.accounts.schemas import RegisterRequest

    password = password or getpass.getpass("Password: ")
    data = RegisterRequest(username=username, email=email, password=password, password_confirm=password)

    async def create() -> None:
        async with _accounts() as accounts:
            user = await accounts.register(data, language="pt-BR")
            user.is_staff = True
        click.echo(f"Staff user {username} created.")

    _run_account_command(create())


@users_group.command(name="grant-staff", help="Give an existing user staff rights.")
@click.argument("username")
def grant_staff_command(username: str) -> None:
    _run_account_command(_set_staff(username, True))


@users_group.command(name="revoke-staff", help="Take staff rights away from a user.")
@click.argument("username")
def revoke_staff_command(username: str) -> None:
    _run_account_command(_set_staff(username, False))


async def _set_staff(username: str, is_staff: bool) -> None:
    async with _accounts() as accounts:
        await accounts.set_staff(username, is_staff=is_staff)
    click.echo(f"{username}: staff = {is_staff}")


@contextlib.asynccontextmanager
async def _accounts():  # type: ignore[no-untyped-def]
    from app.config.database import create_engine, create_session_maker
    from app.domain.accounts.passwords import PasswordHashing
    from app.domain.accounts.services import AccountService
    from app.domain.accounts.tokens import TokenCodec

    settings = get_settings()
    engine = create_engine(settings)
    try:
        async with create_session_maker(engine)() as session, session.begin():
            yield AccountService(session, PasswordHashing.from_settings(settings), TokenCodec.from_settings(settings))
    finally:
        await engine.dispose()


def _run_account_command(coroutine) -> None:  # type: ignore[no-untyped-def]
    from app.api.messages import message
    from app.domain.errors import DomainError, ValidationFailed

    try:
        asyncio.run(coroutine)
    except DomainError as exc:
        first = exc.errors[0] if isinstance(exc, ValidationFailed) else None
        text = message(exc.code, "en", field=first.field if first else "", **exc.params)
        raise click.ClickException(text) from None


class AppCLIPlugin(CLIPluginProtocol):
    def on_cli_init(self, cli: Group) -> None:
        cli.add_command(serve_command)
        cli.add_command(users_group)
        cli.add_command(demo_command)
