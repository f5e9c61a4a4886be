"""Clients generated from the live OpenAPI document: each generator is silent, and each client does a round trip.

The round trip, through the generated code only: two volunteers register and log in, one creates an event, it is
listed, the other joins it with no body, and "my events" shows it on both sides.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.database import create_database, drop_database, unique_name
from tests.support.server import free_port, stop, wait_until_healthy

CLIENTS = Path(__file__).resolve().parent
ROOT = CLIENTS.parents[1]
BIN = Path(sys.executable).parent
PYTHON_CONFIG = CLIENTS / "openapi-python-client.yaml"
TYPESCRIPT_OUT = CLIENTS / "generated"
PACKAGE = "mutiroes_client"
PASSWORD = "Reflorestar-2026!"
# What the app reads from the environment and a developer's shell may have set: the server gets only ours.
APP_VARIABLES = {"DATABASE_URL", "TEST_DATABASE_URL", "JWT_SECRET", "REDIS_URL", "SMTP_HOST", "APP_ENV", "DATA_DIR"}

pytestmark = pytest.mark.slow


def run(command: list[str | Path], *, timeout: float, **options: Any) -> subprocess.CompletedProcess[str]:
    """A command whose output is one text (stderr folded into stdout), so that a warning cannot hide."""
    return subprocess.run(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout, check=False, **options
    )


@pytest.fixture(scope="module")
def api_url(database_server: str, template_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The API as a real process (uvicorn), on a fresh copy of the migrated database."""
    name = unique_name("mutiroes_clients")
    database_url = create_database(database_server, name, template=template_database)
    data_dir = tmp_path_factory.mktemp("api")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {key: value for key, value in os.environ.items() if key not in APP_VARIABLES}
    env.update(
        APP_ENV="test",
        DATABASE_URL=database_url,
        DATA_DIR=str(data_dir),
        PUBLIC_URL=url,
        JWT_SECRET="test-secret-" + "0123456789abcdef" * 4,
        PASSWORD_HASH_TIME_COST="1",
        PASSWORD_HASH_MEMORY_KIB="8192",
        RATE_LIMIT_API_PER_SECOND="0",
        RATE_LIMIT_AUTH_PER_MINUTE="0",
        CACHE_TTL_SECONDS="0",
        LIST_COUNT_TTL_SECONDS="0",
    )
    log = data_dir / "api.log"
    command: list[str | Path] = [
        BIN / "uvicorn",
        "app.api.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    with log.open("ab") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=output, cwd=ROOT)
    try:
        wait_until_healthy(url, process, log)
        yield url
    finally:
        stop(process)
        drop_database(database_server, name)


@pytest.fixture
def document(api_url: str, tmp_path: Path) -> Path:
    response = httpx.get(f"{api_url}/schema/openapi.json", timeout=30)
    assert response.status_code == 200
    path = tmp_path / "openapi.json"
    path.write_bytes(response.content)
    return path


@pytest.fixture
def python_client(document: Path, tmp_path: Path) -> Iterator[str]:
    """The package openapi-python-client generates, importable as `mutiroes_client` for the test."""
    output = tmp_path / "python" / PACKAGE
    command: list[str | Path] = [
        BIN / "openapi-python-client",
        "generate",
        "--path",
        document,
        "--output-path",
        output,
        "--meta",
        "none",
    ]
    generated = run(
        [*command, "--config", PYTHON_CONFIG],
        timeout=180,
        # Its post-hooks format the code with ruff: ours, pinned in the dev group.
        env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"},
    )
    assert generated.returncode == 0, generated.stdout
    assert generated.stdout.splitlines() == [f"Generating {output}"], generated.stdout
    sys.path.insert(0, str(output.parent))
    importlib.invalidate_caches()
    try:
        yield PACKAGE
    finally:
        sys.path.remove(str(output.parent))
        for module in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[module]


def test_the_python_client_generated_from_the_document_does_the_round_trip(python_client: str, api_url: str) -> None:
    with contextlib.ExitStack() as clients:
        python_round_trip(python_client, api_url, clients)


def python_round_trip(python_client: str, api_url: str, clients: contextlib.ExitStack) -> None:
    def module(name: str) -> Any:
        return importlib.import_module(f"{python_client}.{name}")

    client, models = module("client"), module("models")
    register_user, obtain_token = module("api.users.register_user"), module("api.auth.obtain_token")
    create_event, list_events = module("api.events.create_event"), module("api.events.list_events")
    join_event, my_events = module("api.events.join_event"), module("api.events.my_events")
    # Each generated client holds an httpx connection pool, closed with the stack.
    anonymous = clients.enter_context(client.Client(base_url=api_url, raise_on_unexpected_status=True))
    suffix = unique_name("")[-8:]

    def volunteer(username: str) -> Any:
        email = f"{username}@example.org"
        body = models.RegisterRequest(username=username, email=email, password=PASSWORD, password_confirm=PASSWORD)
        user = register_user.sync(client=anonymous, body=body)
        assert isinstance(user, models.UserRead), user
        pair = obtain_token.sync(client=anonymous, body=models.TokenRequest(email=email, password=PASSWORD))
        assert isinstance(pair, models.TokenPair), pair
        signed_in = client.AuthenticatedClient(base_url=api_url, token=pair.access, raise_on_unexpected_status=True)
        return clients.enter_context(signed_in)

    organizer, participant = volunteer(f"ana{suffix}"), volunteer(f"bruno{suffix}")
    start = (dt.datetime.now(dt.UTC) + dt.timedelta(days=10)).replace(microsecond=0)
    body = models.EventWrite(
        title="Mutirão de limpeza do Rio Tietê",
        description="Coleta de resíduos nas margens.",
        category=1,
        address="Parque Ecológico do Tietê",
        latitude=-23.4870,
        longitude=-46.5300,
        city="São Paulo",
        state="SP",
        start_date=start,
        end_date=start + dt.timedelta(hours=4),
        registration_deadline=start - dt.timedelta(days=1),
        max_participants=40,
        status=models.EventWriteStatus.PUBLISHED,
    )
    created = create_event.sync(client=organizer, body=body)
    assert isinstance(created, models.EventDetail), created
    assert created.id > 0
    assert created.start_date == start

    page = list_events.sync(client=anonymous, page_size=100)
    assert isinstance(page, models.EventPage), page
    assert created.id in [event.id for event in page.results]

    joined = join_event.sync(client=participant, event_id=created.id)
    assert isinstance(joined, models.ParticipationRead), joined
    assert (joined.event, joined.status) == (created.id, "confirmed")

    mine = my_events.sync(client=participant)
    assert isinstance(mine, models.MyEvents), mine
    assert ([e.id for e in mine.organized], [e.id for e in mine.participating]) == ([], [created.id])
    theirs = my_events.sync(client=organizer)
    assert isinstance(theirs, models.MyEvents), theirs
    assert [e.id for e in theirs.organized] == [created.id]


@pytest.fixture
def node_modules() -> Path:
    """openapi-typescript, openapi-fetch and TypeScript as package-lock.json pins them (`npm ci` when missing)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are not installed: the TypeScript client is not tried")
    installed = CLIENTS / "node_modules"
    if not installed.is_dir():
        result = run(["npm", "ci", "--no-audit", "--no-fund"], timeout=300, cwd=CLIENTS)
        if result.returncode != 0:
            shutil.rmtree(installed, ignore_errors=True)
            pytest.skip(
                f"`npm ci` failed in tests/clients, the TypeScript client is not tried:\n{result.stdout[-2000:]}"
            )
    return installed


def test_the_typescript_client_generated_from_the_document_type_checks_and_does_the_round_trip(
    node_modules: Path, document: Path, api_url: str
) -> None:
    shutil.rmtree(TYPESCRIPT_OUT, ignore_errors=True)
    bin_dir = node_modules / ".bin"
    # openapi-typescript 7 makes a field with a default required, in what is sent too (`first_name` to register);
    # with `false` only `required` decides, as the document means it.
    schema = TYPESCRIPT_OUT / "schema.d.ts"
    generated = run(
        [bin_dir / "openapi-typescript", document, "--default-non-nullable", "false", "-o", schema],
        timeout=120,
        cwd=CLIENTS,
    )
    assert generated.returncode == 0, generated.stdout
    lines = generated.stdout.splitlines()
    assert len(lines) == 2 and lines[0].startswith("✨ openapi-typescript") and lines[1].startswith("🚀"), lines

    # One compile is the type check (noEmitOnError: an error exits 2 and writes nothing) and the build for node.
    compiled = run([bin_dir / "tsc", "-p", CLIENTS], timeout=180, cwd=CLIENTS)
    assert compiled.returncode == 0, compiled.stdout
    assert compiled.stdout == ""

    trip = run(
        ["node", TYPESCRIPT_OUT / "build" / "roundtrip.js"],
        timeout=60,
        cwd=CLIENTS,
        env={**os.environ, "API_URL": api_url, "NO_COLOR": "1"},
    )
    assert trip.returncode == 0, trip.stdout
    assert trip.stdout.startswith("round trip ok: event "), trip.stdout
