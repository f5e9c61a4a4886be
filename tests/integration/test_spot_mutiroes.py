"""Dirty spots that become mutirões (issue 16): an event made from an open spot schedules it, its report cleans
it, a cancelled or erased event lets it go; the people who reported or confirmed it get one email at each step,
through a real SMTP server and the real worker."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from PIL import Image

from app.config.settings import Settings
from tests.integration.test_cleanup import clean_up
from tests.integration.test_impact import end_in_the_past
from tests.support.concurrency import concurrent_client
from tests.support.factories import DEFAULT_PASSWORD, Factory, event_body
from tests.support.notifications import messages_to, opt_out, recipients, text_of
from tests.support.settings import make_settings
from tests.support.smtp import SmtpSink
from tests.support.worker import run_jobs

PUBLIC_URL = "https://mutiroes.example.org"
SPOT = {"latitude": -23.9712, "longitude": -46.3321, "kind": "trash", "size": "medium", "description": "Lixo."}
SCHEDULED_PT = "Mutirão marcado no ponto que você indicou: Mutirão de limpeza do Rio Tietê"
CLEANED_PT = "Ponto limpo: Mutirão de limpeza do Rio Tietê"
RELEASED_PT = "Mutirão cancelado no ponto que você indicou: Mutirão de limpeza do Rio Tietê"


@pytest.fixture
def settings(database_url: str, tmp_path: Path, sink: SmtpSink) -> Settings:
    return make_settings(
        database_url, tmp_path, smtp_host=sink.host, smtp_port=sink.port, smtp_security="none", public_url=PUBLIC_URL
    )


def address(username: str) -> str:
    return f"{username}@example.org"


def reported_spot(client: TestClient[Litestar], factory: Factory, reporter: int, *confirmers: int) -> int:
    answer = client.post("/api/spots/", json=SPOT, headers=factory.auth(reporter))
    assert answer.status_code == 201, answer.text
    spot_id: int = answer.json()["id"]
    for confirmer in confirmers:
        confirmed = client.post("/api/spots/", json={**SPOT, "confirm_spot": spot_id}, headers=factory.auth(confirmer))
        assert confirmed.status_code == 200, confirmed.text
    return spot_id


def event_from(client: TestClient[Litestar], factory: Factory, organizer: int, spot_id: int, **body: Any) -> Any:
    return client.post("/api/events/", json=event_body(spot=spot_id, **body), headers=factory.auth(organizer))


def spot(client: TestClient[Litestar], factory: Factory, spot_id: int, viewer: int | None = None) -> dict[str, Any]:
    answer = client.get(f"/api/spots/{spot_id}/", headers=factory.auth(viewer) if viewer else None)
    assert answer.status_code == 200, answer.text
    read: dict[str, Any] = answer.json()
    return read


def state_of(
    client: TestClient[Litestar], factory: Factory, spot_id: int, viewer: int | None = None
) -> tuple[str, int | None]:
    """The spot's status and the event it names, as `viewer` reads them."""
    read = spot(client, factory, spot_id, viewer)
    return read["status"], read["event"]


def subjects(sink: SmtpSink) -> list[str]:
    return sorted(str(message["Subject"]) for message in sink.messages)


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (40, 110, 160)).save(out, format="JPEG")
    return out.getvalue()


@pytest.mark.anyio
async def test_an_event_made_from_an_open_spot_schedules_it_and_tells_its_reporter_and_confirmers(
    client: TestClient[Litestar], settings: Settings, sink: SmtpSink, factory: Factory
) -> None:
    ana, bruno, carla, org = factory.user("ana"), factory.user("bruno"), factory.user("carla"), factory.user("org")
    factory.execute("UPDATE users SET language = 'en' WHERE id = :id", id=carla)
    spot_id = reported_spot(client, factory, ana, bruno, carla)

    answer = event_from(client, factory, org, spot_id)
    assert answer.status_code == 201, answer.text
    event_id = answer.json()["id"]
    read = spot(client, factory, spot_id)
    assert read["status"] == "scheduled"
    assert read["event"] == event_id
    assert read["event_url"] == f"{PUBLIC_URL}/api/events/{event_id}/"
    feature = client.get("/api/spots.geojson").json()["features"][0]
    assert (feature["properties"]["status"], feature["properties"]["event"]) == ("scheduled", event_id)
    # The event itself is an ordinary one: the spot is not one of its columns.
    assert "spot" not in client.get(f"/api/events/{event_id}/").json()
    await run_jobs(settings)

    assert recipients(sink) == {address("ana"): 1, address("bruno"): 1, address("carla"): 1}
    [to_ana] = messages_to(sink, address("ana"))
    assert to_ana["Subject"] == SCHEDULED_PT
    text = text_of(to_ana)
    assert "Vai ter mutirão no ponto de sujeira que você relatou ou confirmou" in text
    assert f"Ver o mutirão: {PUBLIC_URL}/events/{event_id}" in text
    assert "Onde: Parque Ecológico do Tietê, São Paulo - SP" in text
    [to_carla] = messages_to(sink, address("carla"))
    assert to_carla["Subject"] == "A mutirão is planned at the spot you reported: Mutirão de limpeza do Rio Tietê"
    assert "Unsubscribe: " in text_of(to_carla)
    # The organizer is not a participant of a spot, and the reporter's event-updates preference was on.
    assert address("org") not in recipients(sink)


@pytest.mark.anyio
async def test_a_draft_takes_the_spot_at_once_but_names_it_and_tells_its_people_only_when_published(
    client: TestClient[Litestar], settings: Settings, sink: SmtpSink, factory: Factory
) -> None:
    ana, org, other = factory.user("ana"), factory.user("org"), factory.user("other")
    spot_id = reported_spot(client, factory, ana)
    answer = event_from(client, factory, org, spot_id, status="draft")
    assert answer.status_code == 201, answer.text
    event_id = answer.json()["id"]

    anonymous = spot(client, factory, spot_id)
    assert (anonymous["status"], anonymous["event"], anonymous["event_url"]) == ("scheduled", None, None)
    assert spot(client, factory, spot_id, ana)["event"] is None
    assert spot(client, factory, spot_id, org)["event"] == event_id  # the organizer sees their own draft
    # Taken: another organizer cannot make a second event from it.
    taken = event_from(client, factory, other, spot_id)
    assert taken.status_code == 409
    assert taken.json()["code"] == "spot_not_open"
    await run_jobs(settings)
    assert sink.messages == []

    assert client.post(f"/api/events/{event_id}/publish/", headers=factory.auth(org)).status_code == 200
    await run_jobs(settings)
    assert subjects(sink) == [SCHEDULED_PT]
    assert spot(client, factory, spot_id)["event"] == event_id


@pytest.mark.anyio
async def test_a_private_event_schedules_the_spot_without_naming_it_or_emailing_strangers(
    client: TestClient[Litestar], settings: Settings, sink: SmtpSink, factory: Factory
) -> None:
    ana, org = factory.user("ana"), factory.user("org")
    spot_id = reported_spot(client, factory, ana)
    answer = event_from(client, factory, org, spot_id, is_public=False)
    assert answer.status_code == 201, answer.text
    await run_jobs(settings)

    assert state_of(client, factory, spot_id, ana) == ("scheduled", None)
    assert sink.messages == []


def test_an_unknown_hidden_or_taken_spot_makes_no_event(client: TestClient[Litestar], factory: Factory) -> None:
    ana, org, staff = factory.user("ana"), factory.user("org"), factory.user("staff", is_staff=True)
    hidden = reported_spot(client, factory, ana)
    assert client.post(f"/api/spots/{hidden}/hide/", headers=factory.auth(staff)).status_code == 200
    cleaned = client.post("/api/spots/", json={**SPOT, "new_spot": True}, headers=factory.auth(ana)).json()["id"]
    factory.execute("UPDATE spots SET status = 'cleaned' WHERE id = :id", id=cleaned)
    jobs_before = factory.count("procrastinate_jobs")

    for spot_id, status, code in (
        (999_999, 400, "spot_not_found"),
        (hidden, 400, "spot_not_found"),
        (cleaned, 409, "spot_not_open"),
    ):
        for caller in (org, ana, staff):  # its reporter and staff see a hidden spot, yet may not use it
            answer = event_from(client, factory, caller, spot_id)
            assert (answer.status_code, answer.json()["code"]) == (status, code), (spot_id, answer.text)
    for bad in (0, -1, "x", 1.5, True):
        answer = client.post("/api/events/", json=event_body(spot=bad), headers=factory.auth(org))
        assert answer.status_code == 400, (bad, answer.text)
    assert factory.count("events") == 0
    assert factory.count("procrastinate_jobs") == jobs_before
    assert factory.scalar("SELECT status FROM spots WHERE id = :id", id=hidden) == "hidden"


def test_editing_the_event_ignores_a_spot_in_the_body(client: TestClient[Litestar], factory: Factory) -> None:
    ana, org = factory.user("ana"), factory.user("org")
    first = reported_spot(client, factory, ana)
    second = client.post(
        "/api/spots/", json={**SPOT, "kind": "rubble", "new_spot": True}, headers=factory.auth(ana)
    ).json()["id"]
    event_id = event_from(client, factory, org, first).json()["id"]

    edited = client.put(
        f"/api/events/{event_id}/", json=event_body(spot=second, title="Outro título"), headers=factory.auth(org)
    )
    assert edited.status_code == 200, edited.text
    assert spot(client, factory, first)["status"] == "scheduled"
    assert spot(client, factory, second)["status"] == "open"
    patched = client.patch(f"/api/events/{event_id}/", json={"spot": second}, headers=factory.auth(org))
    assert patched.status_code == 200, patched.text
    assert spot(client, factory, second)["status"] == "open"
    # A plain event, with no spot, still works as before.
    assert client.post("/api/events/", json=event_body(), headers=factory.auth(org)).status_code == 201


@pytest.mark.anyio
async def test_filing_the_report_cleans_the_spot_shows_the_after_photos_and_tells_its_people_once(
    client: TestClient[Litestar], settings: Settings, sink: SmtpSink, factory: Factory
) -> None:
    ana, bruno, org = factory.user("ana"), factory.user("bruno"), factory.user("org")
    spot_id = reported_spot(client, factory, ana, bruno)
    event_id = event_from(client, factory, org, spot_id, registration_deadline=None).json()["id"]
    await run_jobs(settings)
    sink.received.clear()
    for is_after in ("false", "true"):
        uploaded = client.post(
            f"/api/events/{event_id}/photos/",
            files={"photo": ("p.jpg", jpeg(), "image/jpeg")},
            data={"is_after": is_after, "is_before": "false" if is_after == "true" else "true"},
            headers=factory.auth(org),
        )
        assert uploaded.status_code == 201, uploaded.text
    after_photo = uploaded.json()["photo"]
    # A volunteer who confirms the spot later hears of the clean-up too.
    carla = factory.user("carla")
    assert client.post("/api/spots/", json={**SPOT, "confirm_spot": spot_id}, headers=factory.auth(carla)).is_success
    end_in_the_past(factory, event_id)

    filed = client.post(f"/api/events/{event_id}/report/", json={"trash_collected_kg": 40}, headers=factory.auth(org))
    assert filed.status_code == 201, filed.text
    read = spot(client, factory, spot_id)
    assert (read["status"], read["event"]) == ("cleaned", event_id)
    assert [photo["photo"] for photo in read["after_photos"]] == [after_photo]
    assert client.get("/api/spots/?status=cleaned").json()["count"] == 1
    # Editing the report later changes nothing for the spot, and sends nothing more.
    edited = client.patch(f"/api/events/{event_id}/report/", json={"trash_collected_kg": 45}, headers=factory.auth(org))
    assert edited.status_code == 200, edited.text
    await run_jobs(settings)

    # The one other email is the organizer's badge for the report.
    cleaned = [message for message in sink.messages if message["Subject"] == CLEANED_PT]
    assert sorted(str(message["To"]).split("<")[1].rstrip(">") for message in cleaned) == [
        address("ana"),
        address("bruno"),
        address("carla"),
    ]
    [other] = [message for message in sink.messages if message["Subject"] != CLEANED_PT]
    assert address("org") in str(other["To"]) and str(other["Subject"]).startswith("Nova conquista")
    assert "foi limpo no mutirão Mutirão de limpeza do Rio Tietê. Obrigado por avisar!" in text_of(cleaned[0])


@pytest.mark.anyio
async def test_a_spot_email_respects_the_event_updates_preference(
    client: TestClient[Litestar], settings: Settings, sink: SmtpSink, factory: Factory
) -> None:
    ana, bruno, org = factory.user("ana"), factory.user("bruno"), factory.user("org")
    opt_out(factory, bruno, "email_event_updates")
    spot_id = reported_spot(client, factory, ana, bruno)
    assert event_from(client, factory, org, spot_id).status_code == 201
    await run_jobs(settings)
    assert recipients(sink) == {address("ana"): 1}


@pytest.mark.anyio
async def test_cancelling_or_erasing_its_event_opens_the_spot_again_for_another_mutirao(
    client: TestClient[Litestar], settings: Settings, sink: SmtpSink, factory: Factory
) -> None:
    ana, org = factory.user("ana"), factory.user("org")
    spot_id = reported_spot(client, factory, ana)
    cancelled = event_from(client, factory, org, spot_id).json()["id"]
    assert client.post(f"/api/events/{cancelled}/cancel/", headers=factory.auth(org)).status_code == 200
    read = spot(client, factory, spot_id)
    assert (read["status"], read["event"]) == ("open", None)

    draft = event_from(client, factory, org, spot_id, status="draft")
    assert draft.status_code == 201, draft.text
    assert client.delete(f"/api/events/{draft.json()['id']}/", headers=factory.auth(org)).status_code == 204
    assert state_of(client, factory, spot_id) == ("open", None)

    # An organizer who erases their account erases their drafts: the spot they held is open again.
    leaving = factory.user("leaving")
    assert event_from(client, factory, leaving, spot_id, status="draft").status_code == 201
    erased = client.post(
        "/api/users/delete-account/", json={"password": DEFAULT_PASSWORD}, headers=factory.auth(leaving)
    )
    assert erased.status_code == 204, erased.text
    assert state_of(client, factory, spot_id) == ("open", None)

    again = event_from(client, factory, org, spot_id)
    assert again.status_code == 201, again.text
    assert spot(client, factory, spot_id)["event"] == again.json()["id"]
    # The worker ran only now: the cancelled event's "scheduled" notice found it cancelled and told nobody of a
    # clean-up that will not be; its reporter hears it is off, and of the mutirão that took the spot next.
    await run_jobs(settings)
    assert subjects(sink) == sorted([RELEASED_PT, SCHEDULED_PT])
    [released] = [message for message in sink.messages if message["Subject"] == RELEASED_PT]
    assert "O ponto continua aberto à espera de um novo mutirão." in text_of(released)
    assert "Onde:" not in text_of(released)


@pytest.mark.anyio
async def test_two_organizers_making_an_event_from_one_spot_at_once_make_exactly_one(
    app: Litestar, factory: Factory
) -> None:
    ana = factory.user("ana")
    organizers = [factory.user(f"org{i}") for i in range(8)]
    with TestClient(app) as client:
        spot_id = reported_spot(client, factory, ana)
    async with concurrent_client(app) as client:
        answers = await asyncio.gather(
            *(
                client.post("/api/events/", json=event_body(spot=spot_id), headers=factory.auth(organizer))
                for organizer in organizers
            )
        )
    codes = sorted(answer.status_code for answer in answers)
    assert codes == [201] + [409] * 7, [answer.text for answer in answers]
    [winner] = [answer.json()["id"] for answer in answers if answer.status_code == 201]
    assert factory.count("events") == 1
    assert factory.scalar("SELECT event_id FROM spots WHERE id = :id", id=spot_id) == winner
    # Only the winner's notice was queued: the others rolled back with their events.
    assert factory.count("procrastinate_jobs", "task_name = 'send_event_notification_email'") == 1


@pytest.mark.anyio
async def test_the_nightly_clean_up_erasing_a_stale_draft_opens_the_spot_it_held(
    client: TestClient[Litestar], settings: Settings, factory: Factory
) -> None:
    ana, org = factory.user("ana"), factory.user("org")
    stale, kept = (
        reported_spot(client, factory, ana),
        client.post("/api/spots/", json={**SPOT, "kind": "rubble"}, headers=factory.auth(ana)).json()["id"],
    )
    stale_draft = event_from(client, factory, org, stale, status="draft").json()["id"]
    assert event_from(client, factory, org, kept, status="draft").status_code == 201
    factory.execute(
        "UPDATE events SET start_date = now() - interval '40 days', end_date = now() - interval '39 days',"
        " registration_deadline = NULL WHERE id = :id",
        id=stale_draft,
    )

    assert (await clean_up(settings)).drafts_deleted == 1
    assert state_of(client, factory, stale) == ("open", None)
    assert spot(client, factory, kept)["status"] == "scheduled"


@pytest.mark.anyio
async def test_cancelling_a_draft_opens_its_spot_and_tells_nobody_who_never_heard_of_it(
    client: TestClient[Litestar], settings: Settings, sink: SmtpSink, factory: Factory
) -> None:
    ana, org = factory.user("ana"), factory.user("org")
    spot_id = reported_spot(client, factory, ana, factory.user("bruno"))
    draft = event_from(client, factory, org, spot_id, status="draft").json()["id"]
    assert client.post(f"/api/events/{draft}/cancel/", headers=factory.auth(org)).status_code == 200
    assert state_of(client, factory, spot_id) == ("open", None)
    await run_jobs(settings)
    assert sink.messages == []
