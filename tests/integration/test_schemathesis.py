"""Schemathesis against the real stack: every documented operation, anonymous and as a logged-in volunteer,
with generated valid input; no 5xx, and every answer conforms to the document (status, content type, schema).

The API runs as its own process (uvicorn) on a fresh migrated database, so requests go over HTTP exactly as a
generated client's do. Generation is derandomized: a failure reproduces run after run.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.transport import Response
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.config.settings import Settings
from tests.support.factories import Factory
from tests.support.server import free_port, stop, wait_until_healthy

BIN = Path(sys.executable).parent
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
CASES_PER_OPERATION = 10  # per audience: about 1,100 cases in all
# Operations that would only make later calls shallower (they remove what the others use) or that the rate of
# generated calls would lock out; each has its own tests.
SKIPPED = {("POST", "/api/users/delete-account"), ("POST", "/api/users/change-password")}


@pytest.fixture
def server(settings: Settings, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    environment = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TEST_DATABASE_URL"}}
    environment |= {
        "DATABASE_URL": settings.psycopg_conninfo,
        "DATA_DIR": str(tmp_path),
        "JWT_SECRET": settings.jwt_secret,
        "PUBLIC_URL": url,
        "RATE_LIMIT_API_PER_SECOND": "0",
        "RATE_LIMIT_AUTH_PER_MINUTE": "0",
        "APP_ENV": "test",
    }
    log = (tmp_path / "api.log").open("wb")
    command = [str(BIN / "uvicorn"), "app.api.app:create_app", "--factory", "--port", str(port), "--no-access-log"]
    process = subprocess.Popen(command, env=environment, stdout=log, stderr=log)
    try:
        wait_until_healthy(url, process, tmp_path / "api.log")
        yield url
    finally:
        stop(process)
        log.close()


def exercise(operation: schemathesis.APIOperation, server: str, headers: dict[str, str]) -> int:
    """Run the operation's generated cases; how many ran. Raises on the first failure (shrunk by Hypothesis)."""
    ran = 0

    @settings(
        max_examples=CASES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case: schemathesis.Case) -> None:
        nonlocal ran
        ran += 1
        response = case.call(base_url=server, headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)

    run()
    return ran


def _summary(exc: BaseException) -> str:
    """The failed checks' titles (Hypothesis groups several failures of one operation), then the full report."""
    found = exc.exceptions if isinstance(exc, BaseExceptionGroup) else [exc]
    titles = sorted({str(error).strip().splitlines()[0] for error in found if str(error).strip()})
    return "; ".join(titles) + f"\n{exc}"


@pytest.mark.slow
def test_every_operation_answers_what_the_document_says(server: str, factory: Factory) -> None:
    volunteer = factory.user("voluntaria")
    organizer = factory.user("organizadora")
    for n in range(3):
        factory.event(organizer, title=f"Mutirão {n}")
    audiences = {"anonymous": {}, "volunteer": factory.auth(volunteer)}
    schema = schemathesis.openapi.from_url(f"{server}/schema/openapi.json")
    failures: list[str] = []
    cases = 0
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # an invalid document fails here, loudly
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        for audience, headers in audiences.items():
            try:
                cases += exercise(operation, server, headers)
            except (Exception, BaseExceptionGroup) as exc:  # every operation's failure, reported together
                failures.append(f"{audience} {operation.method.upper()} {operation.path}: {_summary(exc)}")
    headlines = [failure.splitlines()[0] for failure in failures]
    assert not failures, "\n".join(headlines) + "\n\n" + "\n\n".join(failures)
    assert cases >= 1000, cases


# Who sends each linked call: the organizer makes and edits the events, a volunteer joins and leaves them.
VOLUNTEER_OPERATIONS = {"joinEvent", "leaveEvent"}
# The chain asked for: create → read → join → leave (with update and publish). Lists and the other links in the
# document are left out: their answers change with what earlier runs made, which Hypothesis reports as flaky.
LINKED_OPERATIONS = ["createEvent", "getEvent", "updateEvent", "publishEvent", "joinEvent", "leaveEvent"]
LINKED_RUNS = 150  # scenarios of up to STEPS calls each
STEPS = 6


def _a_real_event(body: dict[str, Any]) -> None:
    """What a random body rarely is: an existing category, times ahead in order, a title long enough, a Brazilian
    state and a real time zone (rules the schema does not carry). The other fields stay generated."""
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=10)
    body |= {
        "category": 1,
        "title": "Mutirão gerado " + str(body.get("title", ""))[:40],
        "state": "SP",
        "timezone": "America/Sao_Paulo",
        "start_date": start.isoformat(),
        "end_date": (start + dt.timedelta(hours=3)).isoformat(),
        "registration_deadline": None,
        "status": "published",
        "is_public": True,
        "requires_approval": False,
        "min_age": 0,
        "max_age": None,
    }


@pytest.mark.slow
def test_linked_calls_create_read_join_leave_answer_what_the_document_says(server: str, factory: Factory) -> None:
    """Schemathesis' stateful run over the document's links: ids from one answer feed the next call."""
    as_organizer = factory.auth(factory.user("organizadora"))
    as_volunteer = factory.auth(factory.user("voluntaria"))
    document = schemathesis.openapi.from_url(f"{server}/schema/openapi.json")
    schema = document.include(operation_id=LINKED_OPERATIONS)
    # Valid requests only, with our tokens: the chain is the point here (the test above sends what is generated).
    schema.config.generation.update(
        modes=[schemathesis.GenerationMode.POSITIVE], with_security_parameters=False, allow_x00=False
    )
    reached: Counter[str] = Counter()

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def teardown(self) -> None:
            # Every scenario starts from the same database: Hypothesis replays the start of a scenario and needs the
            # same answers (an event joined by an earlier scenario would answer 409 where it answered 201).
            factory.execute("TRUNCATE events RESTART IDENTITY CASCADE")

        def before_call(self, case: schemathesis.Case) -> None:
            if case.operation.definition.raw.get("operationId") == "createEvent" and isinstance(case.body, dict):
                _a_real_event(case.body)

        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, object]:
            operation_id = case.operation.definition.raw.get("operationId")
            headers = as_volunteer if operation_id in VOLUNTEER_OPERATIONS else as_organizer
            return {"base_url": server, "headers": headers}

        def validate_response(
            self, response: Response, case: schemathesis.Case, additional_checks: object = None, **kwargs: Any
        ) -> None:
            reached[f"{case.operation.definition.raw.get('operationId')} {response.status_code}"] += 1
            case.validate_response(response, checks=CHECKS, headers=kwargs.get("headers"))

    Workflow.run(
        settings=settings(
            max_examples=LINKED_RUNS,
            stateful_step_count=STEPS,
            derandomize=True,
            # No shrinking: the server keeps what earlier runs made, so a replay cannot draw the same calls.
            phases=[Phase.explicit, Phase.generate],
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
    )
    # The links were followed: an event made in one call was read, joined and left in later ones.
    for step in ("createEvent 201", "getEvent 200", "joinEvent 201", "leaveEvent 200"):
        assert reached[step] > 0, f"no {step} in {sorted(reached.items())}"
