"""Notices (SPEC §4) through a real SMTP server: each reaches the right people, in their language, with the
event's local time, and carries a one-click unsubscribe link; preferences and that link stop them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from app.config.database import create_engine, create_session_maker
from app.config.settings import Settings
from app.domain.notifications.links import Links
from app.domain.notifications.notices import queue_notice
from tests.support.factories import Factory
from tests.support.notifications import (
    add_participants,
    defer,
    html_of,
    messages_to,
    opt_out,
    recipients,
    text_of,
    unsubscribe_url,
)
from tests.support.settings import make_settings
from tests.support.smtp import SmtpSink
from tests.support.worker import run_jobs

STRONG = "Reflorestar-2026!"
PUBLIC_URL = "https://mutiroes.example.org"
# 13:00 UTC is 09:00 in Manaus (UTC-4) and 10:00 in São Paulo (UTC-3).
START_UTC_HOUR = 13


@pytest.fixture
def settings(database_url: str, tmp_path: Path, sink: SmtpSink) -> Settings:
    return make_settings(
        database_url,
        tmp_path,
        smtp_host=sink.host,
        smtp_port=sink.port,
        smtp_security="none",
        public_url=PUBLIC_URL,
    )


def manaus_event(factory: Factory, organizer: int, **options: object) -> int:
    """A mutirão in Manaus, ten days from now, 09:00 to 12:00 local time."""
    event_id = factory.event(organizer, title="Mutirão do Igarapé", timezone="America/Manaus", **options)  # type: ignore[arg-type]
    start = (dt.datetime.now(dt.UTC) + dt.timedelta(days=10)).replace(
        hour=START_UTC_HOUR, minute=0, second=0, microsecond=0
    )
    factory.execute(
        "UPDATE events SET start_date = :start, end_date = :end, address = 'Rua do Igarapé, 42', city = 'Manaus', "
        "state = 'AM' WHERE id = :id",
        start=start,
        end=start + dt.timedelta(hours=3),
        id=event_id,
    )
    return event_id


def local_start(factory: Factory, event_id: int, zone: str = "America/Manaus") -> dt.datetime:
    from zoneinfo import ZoneInfo

    start: dt.datetime = factory.scalar("SELECT start_date FROM events WHERE id = :id", id=event_id)
    return start.astimezone(ZoneInfo(zone))


def join(client: TestClient[Litestar], factory: Factory, event_id: int, user_id: int) -> dict[str, object]:
    response = client.post(f"/api/events/{event_id}/join/", json={}, headers=factory.auth(user_id))
    assert response.status_code == 201, response.text
    answer: dict[str, object] = response.json()
    return answer


def address(username: str) -> str:
    return f"{username}@example.org"


@pytest.mark.anyio
async def test_a_confirmed_join_sends_the_confirmation_in_portuguese_with_local_time_address_link_and_unsubscribe(
    client: TestClient[Litestar], settings: Settings, sink: SmtpSink, factory: Factory
) -> None:
    event_id = manaus_event(factory, factory.user("org"))
    factory.user("ana")
    join(client, factory, event_id, factory.scalar("SELECT id FROM users WHERE username = 'ana'"))
    await run_jobs(settings)

    assert recipients(sink) == {address("ana"): 1}
    message = sink.messages[0]
    assert message["Subject"] == "Inscrição confirmada: Mutirão do Igarapé"
    assert message["To"] == f"Ana Silva <{address('ana')}>"
    text, html = text_of(message), html_of(message)
    local = local_start(factory, event_id)
    assert local.hour == 9
    assert f"{local.day} de " in text and "das 09:00 às 12:00 (horário de Manaus)" in text
    assert "Onde: Rua do Igarapé, 42, Manaus - AM" in text
    assert f"Ver o mutirão: {PUBLIC_URL}/events/{event_id}" in text
    assert "Olá, Ana!" in html and "09:00" in html and f'href="{PUBLIC_URL}/events/{event_id}"' in html
    # One-click unsubscribe (RFC 8058), in the headers and in the footer.
    link = unsubscribe_url(message)
    assert link.startswith(f"{PUBLIC_URL}/api/users/notifications/unsubscribe/?token=")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"Cancelar inscrição: {link}" in text
    assert factory.scalar(
        "SELECT status FROM procrastinate_jobs WHERE task_name = 'send_event_notification_email'"
    ) == ("succeeded")


@pytest.mark.anyio
async def test_a_user_whose_language_is_english_gets_the_notice_in_english(
    client: TestClient[Litestar], settings: Settings, sink: SmtpSink, factory: Factory
) -> None:
    event_id = manaus_event(factory, factory.user("org"))
    john = factory.user("john")
    factory.execute("UPDATE users SET language = 'en' WHERE id = :id", id=john)
    join(client, factory, event_id, john)
    await run_jobs(settings)

    [message] = messages_to(sink, address("john"))
    assert message["Subject"] == "You're in: Mutirão do Igarapé"
    text = text_of(message)
    assert "Hello, John!" in text
    assert "09:00–12:00 (Manaus time)" in text
    assert "When: " in text and "Where: Rua do Igarapé, 42" in text
    assert "Unsubscribe: " in text


@pytest.mark.anyio
async def test_a_waitlisted_or_pending_join_sends_no_confirmation(
    client: TestClient[Litestar], settings: Settings, sink: SmtpSink, factory: Factory
) -> None:
    organizer = factory.user("org")
    full = manaus_event(factory, organizer, max_participants=1)
    add_participants(factory, full, [factory.user("first")])
    approval = manaus_event(factory, organizer)
    factory.execute("UPDATE events SET requires_approval = true WHERE id = :id", id=approval)
    volunteer = factory.user("ana")
    assert join(client, factory, full, volunteer)["status"] == "waitlisted"
    assert join(client, factory, approval, volunteer)["status"] == "pending"
    await run_jobs(settings)
    assert sink.received == []
    assert factory.count("procrastinate_jobs") == 0


@pytest.mark.anyio
async def test_the_organizer_approving_and_rejecting_notifies_each_volunteer(
    client: TestClient[Litestar], settings: Settings, sink: SmtpSink, factory: Factory
) -> None:
    organizer = factory.user("org")
    event_id = manaus_event(factory, organizer)
    factory.execute("UPDATE events SET requires_approval = true WHERE id = :id", id=event_id)
    ana, bia = factory.user("ana"), factory.user("bia")
    ana_participation, bia_participation = join(client, factory, event_id, ana), join(client, factory, event_id, bia)
    for participation, decision in ((ana_participation, "confirmed"), (bia_participation, "rejected")):
        response = client.patch(
            f"/api/events/{event_id}/participants/{participation['id']}/",
            json={"status": decision},
            headers=factory.auth(organizer),
        )
        assert response.status_code == 200, response.text
    await run_jobs(settings)

    assert recipients(sink) == {address("ana"): 1, address("bia"): 1}
    assert messages_to(sink, address("ana"))[0]["Subject"] == "Participação aprovada: Mutirão do Igarapé"
    assert messages_to(sink, address("bia"))[0]["Subject"] == "Inscrição não aprovada: Mutirão do Igarapé"


@pytest.mark.anyio
async def test_leaving_promotes_the_earliest_waitlisted_who_alone_is_told(
    client: TestClient[Litestar], settings: Settings, sink: SmtpSink, factory: Factory
) -> None:
    event_id = manaus_event(factory, factory.user("org"), max_participants=1)
    leaver, first, second = factory.user("leaver"), factory.user("first"), factory.user("second")
    add_participants(factory, event_id, [leaver])
    add_participants(factory, event_id, [first, second], status="waitlisted")
    response = client.post(f"/api/events/{event_id}/leave/", headers=factory.auth(leaver))
    assert response.status_code == 200, response.text
    await run_jobs(settings)

    assert recipients(sink) == {address("first"): 1}
    assert sink.messages[0]["Subject"] == "Abriu uma vaga: você está confirmado(a) em Mutirão do Igarapé"


@pytest.mark.anyio
async def test_raising_the_capacity_promotes_and_tells_the_waitlisted(
    client: TestClient[Litestar], settings: Settings, sink: SmtpSink, factory: Factory
) -> None:
    organizer = factory.user("org")
    event_id = manaus_event(factory, organizer, max_participants=1)
    add_participants(factory, event_id, [factory.user("in")])
    add_participants(factory, event_id, [factory.user("w1"), factory.user("w2"), factory.user("w3")], "waitlisted")
    response = client.patch(f"/api/events/{event_id}/", json={"max_participants": 3}, headers=factory.auth(organizer))
    assert response.status_code == 200, response.text
    await run_jobs(settings)
    assert recipients(sink) == {address("w1"): 1, address("w2"): 1}


@pytest.mark.anyio
async def test_rejecting_a_confirmed_volunteer_tells_them_and_the_promoted_one(
    client: TestClient[Litestar], settings: Settings, sink: SmtpSink, factory: Factory
) -> None:
    organizer = factory.user("org")
    event_id = manaus_event(factory, organizer, max_participants=1)
    confirmed, waiting = factory.user("confirmed"), factory.user("waiting")
    add_participants(factory, event_id, [confirmed])
    add_participants(factory, event_id, [waiting], "waitlisted")
    participation = factory.scalar("SELECT id FROM event_participants WHERE user_id = :u", u=confirmed)
    response = client.patch(
        f"/api/events/{event_id}/participants/{participation}/",
        json={"status": "rejected"},
        headers=factory.auth(organizer),
    )
    assert response.status_code == 200, response.text
    await run_jobs(settings)
    assert messages_to(sink, address("confirmed"))[0]["Subject"].startswith("Inscrição não aprovada")
    assert messages_to(sink, address("waiting"))[0]["Subject"].startswith("Abriu uma vaga")
    assert len(sink.received) == 2


@pytest.mark.anyio
async def test_moving_the_event_tells_every_active_participant_the_new_local_time(
    client: TestClient[Litestar], settings: Settings, sink: SmtpSink, factory: Factory
) -> None:
    organizer = factory.user("org")
    event_id = manaus_event(factory, organizer, max_participants=1)
    add_participants(factory, event_id, [factory.user("confirmed")])
    add_participants(factory, event_id, [factory.user("waiting")], "waitlisted")
    add_participants(factory, event_id, [factory.user("pending")], "pending")
    add_participants(factory, event_id, [factory.user("left")], "cancelled")
    start = local_start(factory, event_id) + dt.timedelta(days=1, hours=5)  # the next day, 14:00 in Manaus
    response = client.patch(
        f"/api/events/{event_id}/",
        json={
            "start_date": start.replace(tzinfo=None).isoformat(),
            "end_date": (start + dt.timedelta(hours=2)).isoformat(),
        },
        headers=factory.auth(organizer),
    )
    assert response.status_code == 200, response.text
    await run_jobs(settings)

    assert recipients(sink) == {address("confirmed"): 1, address("waiting"): 1, address("pending"): 1}
    message = messages_to(sink, address("waiting"))[0]
    assert message["Subject"] == "Mudança no mutirão: Mutirão do Igarapé"
    assert f"{start.day} de " in text_of(message) and "das 14:00 às 16:00 (horário de Manaus)" in text_of(message)


@pytest.mark.anyio
async def test_editing_anything_but_time_or_place_tells_nobody(
    client: TestClient[Litestar], settings: Settings, sink: SmtpSink, factory: Factory
) -> None:
    organizer = factory.user("org")
    event_id = manaus_event(factory, organizer)
    add_participants(factory, event_id, [factory.user("ana")])
    response = client.patch(
        f"/api/events/{event_id}/",
        json={"description": "Traga luvas.", "address": "Rua do Igarapé, 42"},  # the same address
        headers=factory.auth(organizer),
    )
    assert response.status_code == 200, response.text
    await run_jobs(settings)
    assert sink.received == []
    assert factory.count("procrastinate_jobs") == 0


@pytest.mark.anyio
async def test_cancelling_or_deleting_an_event_with_participants_tells_them_it_is_cancelled(
    client: TestClient[Litestar], settings: Settings, sink: SmtpSink, factory: Factory
) -> None:
    organizer = factory.user("org")
    cancelled, deleted = manaus_event(factory, organizer), manaus_event(factory, organizer)
    add_participants(factory, cancelled, [factory.user("ana"), factory.user("bia")])
    add_participants(factory, cancelled, [factory.user("left")], "cancelled")
    add_participants(factory, deleted, [factory.user("caio")], "waitlisted")
    assert client.post(f"/api/events/{cancelled}/cancel/", headers=factory.auth(organizer)).status_code == 200
    assert client.delete(f"/api/events/{deleted}/", headers=factory.auth(organizer)).status_code == 200
    await run_jobs(settings)

    assert recipients(sink) == {address("ana"): 1, address("bia"): 1, address("caio"): 1}
    assert {message["Subject"] for message in sink.messages} == {"Mutirão cancelado: Mutirão do Igarapé"}


@pytest.mark.anyio
async def test_a_badge_earned_notice_names_the_badge_from_the_catalogue(
    settings: Settings, sink: SmtpSink, factory: Factory
) -> None:
    ana, john = factory.user("ana"), factory.user("john")
    factory.execute("UPDATE users SET language = 'en' WHERE id = :id", id=john)
    badge = factory.execute("SELECT code, name, name_en FROM badges ORDER BY position LIMIT 1").one()
    engine = create_engine(settings)
    try:
        async with create_session_maker(engine)() as session, session.begin():
            await queue_notice(session, "badge_earned", user_ids=[ana], badge_code=badge.code)
            await queue_notice(session, "badge_earned", user_ids=[john], badge_code=badge.code)
    finally:
        await engine.dispose()
    await run_jobs(settings)

    assert messages_to(sink, address("ana"))[0]["Subject"] == f"Nova conquista: {badge.name}"
    assert messages_to(sink, address("john"))[0]["Subject"] == f"New badge: {badge.name_en}"
    assert "email_badge_earned" in str(
        Links.from_settings(settings).read_unsubscribe_token(
            urlsplit(unsubscribe_url(messages_to(sink, address("ana"))[0])).query.removeprefix("token=")
        )
    )


# --- preferences and the unsubscribe link ---


def test_notification_settings_are_all_on_by_default_and_put_changes_those_sent(
    client: TestClient[Litestar], factory: Factory
) -> None:
    ana = factory.user("ana")
    answer = client.get("/api/users/notifications/settings/", headers=factory.auth(ana))
    assert answer.status_code == 200
    assert answer.json() == {
        "email_new_events": True,
        "email_event_reminders": True,
        "email_event_updates": True,
        "email_badge_earned": True,
    }
    changed = client.put(
        "/api/users/notifications/settings/", json={"email_event_reminders": False}, headers=factory.auth(ana)
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["email_event_reminders"] is False and changed.json()["email_event_updates"] is True
    profile = client.get("/api/users/profile/", headers=factory.auth(ana)).json()
    assert profile["notification_preferences"]["email_event_reminders"] is False


def test_notification_settings_refuse_a_non_boolean_and_ignore_unknown_keys(
    client: TestClient[Litestar], factory: Factory
) -> None:
    ana = factory.user("ana")
    url, headers = "/api/users/notifications/settings/", factory.auth(ana)
    response = client.put(url, json={"email_event_updates": "no", "email_new_events": False}, headers=headers)
    assert response.status_code == 400
    assert "email_event_updates" in response.json()["detail"]
    assert set(client.get(url, headers=headers).json().values()) == {True}  # a rejected request changes nothing
    ignored = client.put(url, json={"email_weekly_digest": False, "id": 7}, headers=headers)
    assert ignored.status_code == 200
    assert "email_weekly_digest" not in ignored.json()
    assert (
        "email_weekly_digest"
        not in client.get("/api/users/profile/", headers=headers).json()["notification_preferences"]
    )


def test_notification_settings_need_a_login(client: TestClient[Litestar]) -> None:
    assert client.get("/api/users/notifications/settings/").status_code == 401
    assert client.put("/api/users/notifications/settings/", json={"email_new_events": False}).status_code == 401


@pytest.mark.anyio
async def test_a_volunteer_who_turned_event_updates_off_gets_no_notice(
    client: TestClient[Litestar], settings: Settings, sink: SmtpSink, factory: Factory
) -> None:
    event_id = manaus_event(factory, factory.user("org"))
    ana, bia = factory.user("ana"), factory.user("bia")
    response = client.put(
        "/api/users/notifications/settings/", json={"email_event_updates": False}, headers=factory.auth(ana)
    )
    assert response.status_code == 200
    opt_out(factory, bia, "email_event_reminders")  # another preference: her notices still go
    join(client, factory, event_id, ana)
    join(client, factory, event_id, bia)
    await run_jobs(settings)
    assert recipients(sink) == {address("bia"): 1}
    assert set(factory.execute("SELECT status FROM procrastinate_jobs").scalars()) == {"succeeded"}


@pytest.mark.anyio
async def test_the_unsubscribe_link_shows_a_page_and_only_its_post_turns_the_emails_off(
    client: TestClient[Litestar], settings: Settings, sink: SmtpSink, factory: Factory
) -> None:
    organizer = factory.user("org")
    first, second = manaus_event(factory, organizer), manaus_event(factory, organizer)
    ana = factory.user("ana")
    join(client, factory, first, ana)
    await run_jobs(settings)
    link = urlsplit(unsubscribe_url(sink.messages[0]))
    path = f"{link.path}?{link.query}"

    page = client.get(path)  # what a mail scanner or a click does: changes nothing
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<form method="post"' in page.text and "Deixar de receber avisos sobre os seus mutirões?" in page.text
    assert client.get("/api/users/notifications/settings/", headers=factory.auth(ana)).json()["email_event_updates"]

    done = client.post(path, data={"List-Unsubscribe": "One-Click"})  # RFC 8058 one-click
    assert done.status_code == 200, done.text
    assert "Pronto" in done.text
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200  # idempotent
    preferences = client.get("/api/users/notifications/settings/", headers=factory.auth(ana)).json()
    assert preferences == {
        "email_new_events": True,
        "email_event_reminders": True,
        "email_event_updates": False,
        "email_badge_earned": True,
    }
    join(client, factory, second, ana)
    await run_jobs(settings)
    assert len(sink.received) == 1


@pytest.mark.anyio
async def test_the_welcome_email_link_unsubscribes_from_everything(
    client: TestClient[Litestar], settings: Settings, sink: SmtpSink, factory: Factory
) -> None:
    response = client.post(
        "/api/users/register/",
        json={"username": "maria", "email": "maria@example.org", "password": STRONG, "password_confirm": STRONG},
    )
    assert response.status_code == 201
    await run_jobs(settings)
    welcome = sink.messages[0]
    assert welcome["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = urlsplit(unsubscribe_url(welcome))
    assert "todos os e-mails do Mutirões" in client.get(f"{link.path}?{link.query}").text
    assert client.post(f"{link.path}?{link.query}", data={"List-Unsubscribe": "One-Click"}).status_code == 200
    maria = response.json()["id"]
    preferences = client.get("/api/users/notifications/settings/", headers=factory.auth(maria)).json()
    assert set(preferences.values()) == {False}


def test_a_tampered_or_foreign_token_is_not_an_unsubscribe_link_and_an_unsubscribe_token_is_no_login(
    client: TestClient[Litestar], settings: Settings, factory: Factory
) -> None:
    ana = factory.user("ana")
    token = Links.from_settings(settings).unsubscribe_token(ana, "email_event_updates")
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    for bad in (tampered, factory.access_token(ana), "not-a-token"):
        for method in (client.get, client.post):
            response = method(f"/api/users/notifications/unsubscribe/?token={bad}")
            assert response.status_code == 400, (bad, response.text)
            assert response.json()["message"] == "Este link de cancelamento de inscrição é inválido."
    assert client.post("/api/users/notifications/unsubscribe/").status_code == 400  # no token at all
    # The unsubscribe token cannot be used to act as the user.
    assert client.get("/api/users/profile/", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert client.get("/api/users/notifications/settings/", headers=factory.auth(ana)).json()["email_event_updates"]


# --- idempotency ---


@pytest.mark.anyio
async def test_running_a_notice_job_twice_sends_nothing_the_second_time(
    client: TestClient[Litestar], settings: Settings, sink: SmtpSink, factory: Factory
) -> None:
    organizer = factory.user("org")
    event_id = manaus_event(factory, organizer)
    add_participants(factory, event_id, [factory.user("ana"), factory.user("bia")])
    assert client.post(f"/api/events/{event_id}/cancel/", headers=factory.auth(organizer)).status_code == 200
    await run_jobs(settings)
    assert len(sink.received) == 2
    factory.execute("UPDATE procrastinate_jobs SET status = 'todo'")  # as a retry or a rescued job would
    await run_jobs(settings)
    assert len(sink.received) == 2
    assert factory.count("notice_deliveries") == 2


@pytest.mark.anyio
async def test_a_notice_job_cut_short_resumes_with_the_recipients_it_had_not_reached(
    client: TestClient[Litestar], settings: Settings, sink: SmtpSink, factory: Factory
) -> None:
    organizer = factory.user("org")
    event_id = manaus_event(factory, organizer)
    reached, missed = factory.user("reached"), factory.user("missed")
    add_participants(factory, event_id, [reached, missed])
    assert client.post(f"/api/events/{event_id}/cancel/", headers=factory.auth(organizer)).status_code == 200
    job_id = factory.scalar("SELECT id FROM procrastinate_jobs")
    # The first run delivered to `reached`, recorded it, then died.
    factory.execute(
        "INSERT INTO notice_deliveries (job_id, user_id, kind) VALUES (:job, :user, 'event_cancelled')",
        job=job_id,
        user=reached,
    )
    await run_jobs(settings)
    assert recipients(sink) == {address("missed"): 1}


@pytest.mark.anyio
async def test_a_hand_made_personal_notice_without_recipients_reaches_nobody(
    settings: Settings, sink: SmtpSink, factory: Factory
) -> None:
    event_id = manaus_event(factory, factory.user("org"))
    add_participants(factory, event_id, [factory.user("ana")])
    factory.user("bia")
    for kind in ("promoted", "badge_earned", "weekly_digest"):
        defer(factory, "send_event_notification_email", "emails", event_id=event_id, kind=kind, user_ids=None)
    await run_jobs(settings)
    assert sink.received == []
    assert set(factory.execute("SELECT status FROM procrastinate_jobs").scalars()) == {"succeeded"}


@pytest.mark.anyio
async def test_while_smtp_is_down_a_notice_waits_and_is_delivered_once_it_is_back(
    client: TestClient[Litestar], settings: Settings, sink: SmtpSink, factory: Factory
) -> None:
    event_id = manaus_event(factory, factory.user("org"))
    join(client, factory, event_id, factory.user("ana"))
    sink.stop()
    await run_jobs(settings)
    assert factory.execute("SELECT status, attempts FROM procrastinate_jobs").one() == ("todo", 1)
    sink.start()
    factory.execute("UPDATE procrastinate_jobs SET scheduled_at = now()")
    await run_jobs(settings)
    assert recipients(sink) == {address("ana"): 1}


# --- acceptance ---


@pytest.mark.anyio
async def test_register_join_move_and_cancel_each_send_exactly_the_expected_emails_in_portuguese(
    client: TestClient[Litestar], settings: Settings, sink: SmtpSink, factory: Factory
) -> None:
    organizer = factory.user("org")
    event_id = manaus_event(factory, organizer)
    registered = client.post(
        "/api/users/register/",
        json={
            "username": "joana",
            "email": "joana@example.org",
            "password": STRONG,
            "password_confirm": STRONG,
            "first_name": "Joana",
        },
    )
    assert registered.status_code == 201, registered.text
    await run_jobs(settings)
    tokens = client.post("/api/token/", json={"username": "joana", "password": STRONG}).json()
    joana = {"Authorization": f"Bearer {tokens['access']}"}

    assert client.post(f"/api/events/{event_id}/join/", json={}, headers=joana).status_code == 201
    await run_jobs(settings)
    later = local_start(factory, event_id) + dt.timedelta(hours=2)  # 11:00 in Manaus
    moved = client.patch(
        f"/api/events/{event_id}/",
        json={"start_date": later.isoformat(), "end_date": (later + dt.timedelta(hours=3)).isoformat()},
        headers=factory.auth(organizer),
    )
    assert moved.status_code == 200, moved.text
    await run_jobs(settings)
    assert client.post(f"/api/events/{event_id}/cancel/", headers=factory.auth(organizer)).status_code == 200
    await run_jobs(settings)

    assert recipients(sink) == {"joana@example.org": 4}
    assert [message["Subject"] for message in sink.messages] == [
        "Bem-vindo(a) ao Mutirões!",
        "Inscrição confirmada: Mutirão do Igarapé",
        "Mudança no mutirão: Mutirão do Igarapé",
        "Mutirão cancelado: Mutirão do Igarapé",
    ]
    assert "das 09:00 às 12:00 (horário de Manaus)" in text_of(sink.messages[1])
    assert "das 11:00 às 14:00 (horário de Manaus)" in text_of(sink.messages[2])
    assert all(message["List-Unsubscribe"] for message in sink.messages)
    assert set(factory.execute("SELECT status FROM procrastinate_jobs").scalars()) == {"succeeded"}
