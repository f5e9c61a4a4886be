"""Organizations: create and find them, their public page with verified impact, roles (an owner always remains,
even under concurrent changes), invitations by email through a real SMTP server, followers and the logo."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from PIL import Image
from sqlalchemy.ext.asyncio import AsyncSession

from app.config.database import create_engine, create_session_maker
from app.config.settings import Settings
from app.domain.accounts.models import User
from app.domain.errors import PermissionDenied
from app.domain.organizations.services import InvitationTokens, OrganizationService
from tests.support.factories import Factory
from tests.support.notifications import messages_to, text_of
from tests.support.settings import make_settings
from tests.support.smtp import SmtpSink
from tests.support.worker import run_jobs

PUBLIC_URL = "https://mutiroes.example.org"


@pytest.fixture
def settings(database_url: str, tmp_path: Path, sink: SmtpSink) -> Settings:
    return make_settings(
        database_url, tmp_path, smtp_host=sink.host, smtp_port=sink.port, smtp_security="none", public_url=PUBLIC_URL
    )


def create(
    client: TestClient[Litestar], factory: Factory, owner: int, name: str = "Coletivo Praia Limpa", **fields: Any
) -> int:
    answer = client.post("/api/organizations/", json={"name": name, **fields}, headers=factory.auth(owner))
    assert answer.status_code == 201, answer.text
    organization_id: int = answer.json()["id"]
    return organization_id


def roles(factory: Factory, organization_id: int) -> dict[int, str]:
    rows = factory.execute(
        "SELECT user_id, role FROM organization_members WHERE organization_id = :o", o=organization_id
    )
    return {row.user_id: row.role for row in rows}


def snapshot(factory: Factory) -> list[Any]:
    """Everything an organization request may write."""
    return [
        factory.execute(f"SELECT * FROM {table} ORDER BY 1, 2").all()
        for table in ("organizations", "organization_members", "organization_invitations", "organization_followers")
    ]


def queries_for(client: TestClient[Litestar], app: Litestar, path: str) -> int:
    log = app.state.query_log
    client.get(path)  # warm-up: a new connection may introspect types once
    before = log.count
    assert client.get(path).status_code == 200
    return int(log.count - before)


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1024, 768), (20, 120, 60)).save(out, format="PNG")
    return out.getvalue()


# --- the organization ---


def test_a_logged_in_user_creates_an_organization_and_becomes_its_owner(
    client: TestClient[Litestar], factory: Factory
) -> None:
    ana = factory.user("ana")
    answer = client.post(
        "/api/organizations/",
        # `is_verified` is not the creator's to set: it is ignored, like any unknown field.
        json={
            "name": "Coletivo Água Viva",
            "city": "Santos",
            "state": "sp",
            "website": "https://aguaviva.org",
            "is_verified": True,
        },
        headers=factory.auth(ana),
    )
    assert answer.status_code == 201, answer.text
    created = answer.json()
    assert created["slug"] == "coletivo-agua-viva" and created["state"] == "SP"
    assert created["is_verified"] is False and created["members_count"] == 1 and created["followers_count"] == 0
    assert created["my_role"] == "owner"
    assert roles(factory, created["id"]) == {ana: "owner"}
    anonymous = client.get(f"/api/organizations/{created['id']}/").json()
    assert anonymous["my_role"] is None and anonymous["is_following"] is False
    assert client.post("/api/organizations/", json={"name": "Sem login"}).status_code == 401


def test_a_slug_is_unique_whatever_its_case(client: TestClient[Litestar], factory: Factory) -> None:
    ana = factory.user("ana")
    create(client, factory, ana, "Praia Limpa", slug="praia-limpa")
    before = snapshot(factory)
    for body in ({"name": "Outra", "slug": "Praia-Limpa"}, {"name": "Praia Limpa"}):
        answer = client.post("/api/organizations/", json=body, headers=factory.auth(ana))
        assert answer.status_code == 400, answer.text
        assert answer.json()["errors"][0] == {
            "field": "slug",
            "code": "slug_taken",
            "message": answer.json()["message"],
        }
    assert snapshot(factory) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "ab"}, "name"),
        ({"name": "Coletivo", "state": "São"}, "state"),
        ({"name": "Coletivo", "state": "S1"}, "state"),
        ({"name": "Coletivo", "website": "javascript:alert(1)"}, "website"),
        ({"name": "Coletivo", "slug": "com espaço"}, "slug"),
        ({"name": "!!!"}, "slug"),
    ],
)
def test_bad_fields_are_a_400_naming_them_and_change_nothing(
    client: TestClient[Litestar], factory: Factory, body: dict[str, Any], field: str
) -> None:
    ana = factory.user("ana")
    before = snapshot(factory)
    answer = client.post("/api/organizations/", json=body, headers=factory.auth(ana))
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert field in {error["field"] for error in answer.json()["errors"]}
    assert snapshot(factory) == before


def test_the_list_searches_names_filters_city_and_state_in_pages_at_a_constant_query_count(
    client: TestClient[Litestar], app: Litestar, factory: Factory
) -> None:
    ana = factory.user("ana")
    praia = create(client, factory, ana, "Coletivo Praia Limpa", city="Santos", state="SP")
    create(client, factory, ana, "Verde Rio", city="Rio de Janeiro", state="RJ")
    create(client, factory, ana, "Praias do Sul", city="Florianópolis", state="SC")
    for n in range(30):
        create(client, factory, ana, f"Grupo {n:02d}", city="Campinas", state="SP")

    def names(query: str) -> list[str]:
        return [o["name"] for o in client.get(f"/api/organizations/?{query}").json()["results"]]

    assert names("search=PRAIA") == ["Coletivo Praia Limpa", "Praias do Sul"]
    assert names("search=100%25") == []  # a literal percent sign, not a wildcard
    assert names("city=santos") == ["Coletivo Praia Limpa"]
    assert names("state=rj") == ["Verde Rio"]
    assert names("state=SP&search=praia") == ["Coletivo Praia Limpa"]
    first = client.get("/api/organizations/?page_size=10").json()
    assert first["count"] == 33 and len(first["results"]) == 10 and first["next"].endswith("page=2")
    assert client.get("/api/organizations/?page=99").status_code == 404
    listed = next(o for o in client.get("/api/organizations/?search=Coletivo").json()["results"] if o["id"] == praia)
    assert listed["members_count"] == 1
    # The count and the page (its counters are subqueries), whatever the page size.
    sizes = [queries_for(client, app, f"/api/organizations/?page_size={size}") for size in (1, 10, 100)]
    assert sizes[0] == sizes[1] == sizes[2] <= 2, sizes


def test_owners_and_admins_edit_it_organizers_and_strangers_may_not(
    client: TestClient[Litestar], factory: Factory
) -> None:
    owner, admin, organizer, stranger = (factory.user(name) for name in ("dona", "admin", "org", "estranho"))
    organization_id = create(client, factory, owner)
    factory.member(organization_id, admin, "admin")
    factory.member(organization_id, organizer, "organizer")
    path = f"/api/organizations/{organization_id}/"
    for user in (organizer, stranger):
        refused = client.patch(path, json={"description": "Outra"}, headers=factory.auth(user))
        assert refused.status_code == 403 and refused.json()["code"] == "not_organization_manager"
    assert client.patch(path, json={"description": "Outra"}).status_code == 401
    for user, words in ((owner, "Da dona"), (admin, "Do admin")):
        answer = client.patch(path, json={"description": words}, headers=factory.auth(user))
        assert answer.status_code == 200 and answer.json()["description"] == words
    assert client.patch("/api/organizations/999999/", json={}, headers=factory.auth(owner)).status_code == 404


def test_only_staff_verify_an_organization(client: TestClient[Litestar], factory: Factory) -> None:
    owner, staff = factory.user("dona"), factory.user("equipe", is_staff=True)
    organization_id = create(client, factory, owner)
    path = f"/api/organizations/{organization_id}/"
    refused = client.patch(path, json={"is_verified": True, "name": "Novo nome"}, headers=factory.auth(owner))
    assert refused.status_code == 403 and refused.json()["code"] == "staff_only"
    assert factory.execute("SELECT name, is_verified FROM organizations").one() == ("Coletivo Praia Limpa", False)
    assert client.patch(path, json={"is_verified": True}, headers=factory.auth(staff)).json()["is_verified"] is True


def test_only_owners_delete_an_organization_and_its_events_stay(client: TestClient[Litestar], factory: Factory) -> None:
    owner, admin = factory.user("dona"), factory.user("admin")
    organization_id = create(client, factory, owner)
    factory.member(organization_id, admin, "admin")
    event_id = factory.event(owner)
    factory.execute("UPDATE events SET organization_id = :o WHERE id = :e", o=organization_id, e=event_id)
    path = f"/api/organizations/{organization_id}/"
    refused = client.delete(path, headers=factory.auth(admin))
    assert refused.status_code == 403 and refused.json()["code"] == "not_organization_owner"
    assert client.delete(path, headers=factory.auth(owner)).status_code == 204
    assert client.get(path).status_code == 404
    assert factory.scalar("SELECT organization_id FROM events WHERE id = :e", e=event_id) is None


@pytest.mark.anyio
async def test_the_public_page_shows_its_events_and_impact_from_check_ins_and_reports_only(
    client: TestClient[Litestar], settings: Settings, factory: Factory
) -> None:
    owner = factory.user("dona")
    ana, bia, caio = factory.user("ana"), factory.user("bia"), factory.user("caio")
    organization_id = create(client, factory, owner)

    def under_organization(event_id: int) -> int:
        factory.execute("UPDATE events SET organization_id = :o WHERE id = :e", o=organization_id, e=event_id)
        return event_id

    held = under_organization(factory.event(owner, title="Praia do Gonzaga", starts_in=dt.timedelta(minutes=30)))
    for volunteer in (ana, bia, caio):
        assert client.post(f"/api/events/{held}/join/", json={}, headers=factory.auth(volunteer)).status_code == 201
    for volunteer in (ana, bia):  # caio joined but never came: he counts for nothing
        checked = client.post(f"/api/events/{held}/check_in/", json={"user_id": volunteer}, headers=factory.auth(owner))
        assert checked.status_code == 200, checked.text
    factory.execute(
        "UPDATE events SET start_date = now() - interval '1 day' - (end_date - start_date), "
        "end_date = now() - interval '1 day' WHERE id = :e",
        e=held,
    )
    report = {"trash_collected_kg": 50, "trees_planted": 8}
    filed = client.post(f"/api/events/{held}/report/", json=report, headers=factory.auth(owner))
    assert filed.status_code == 201, filed.text
    upcoming = under_organization(factory.event(owner, title="Plantio no Parque", category="Plantio"))
    under_organization(factory.event(owner, title="Rascunho", status="draft"))
    under_organization(factory.event(owner, title="Privado", is_public=False))
    under_organization(factory.event(owner, title="Cancelado", status="cancelled"))
    factory.event(owner, title="Fora da organização")
    await run_jobs(settings, queues=["statistics"])

    page = client.get(f"/api/organizations/{organization_id}/").json()
    assert [e["id"] for e in page["upcoming_events"]] == [upcoming]
    assert [e["id"] for e in page["past_events"]] == [held]
    # Two check-ins of 3 h; the report's 50 kg and 8 trees shared by the 2 it counted.
    assert page["impact"] == {
        "events_held": 1,
        "reports_filed": 1,
        "volunteers": 2,
        "check_ins": 2,
        "hours_volunteered": 6.0,
        "trash_collected_kg": 50.0,
        "trees_planted": 8.0,
    }


# --- members and roles ---


def test_who_may_change_which_role(client: TestClient[Litestar], factory: Factory) -> None:
    owner, admin, other_admin, organizer = (factory.user(name) for name in ("dona", "admin", "admin2", "org"))
    organization_id = create(client, factory, owner)
    factory.member(organization_id, admin, "admin")
    factory.member(organization_id, other_admin, "admin")
    factory.member(organization_id, organizer, "organizer")

    def set_role(actor: int, user: int, role: str) -> Any:
        return client.patch(
            f"/api/organizations/{organization_id}/members/{user}/", json={"role": role}, headers=factory.auth(actor)
        )

    assert set_role(organizer, admin, "organizer").json()["code"] == "not_organization_manager"
    assert set_role(admin, organizer, "owner").json()["code"] == "owners_only_for_owners"
    assert set_role(admin, owner, "admin").json()["code"] == "owners_only_for_owners"
    assert roles(factory, organization_id) == {
        owner: "owner",
        admin: "admin",
        other_admin: "admin",
        organizer: "organizer",
    }
    demoted = set_role(admin, other_admin, "organizer")
    assert demoted.status_code == 200 and demoted.json()["role"] == "organizer"
    assert set_role(owner, admin, "owner").json()["role"] == "owner"
    assert set_role(owner, 999999, "admin").status_code == 404
    assert set_role(owner, organizer, "chefe").status_code == 400
    assert roles(factory, organization_id) == {
        owner: "owner",
        admin: "owner",
        other_admin: "organizer",
        organizer: "organizer",
    }


def test_the_last_owner_can_be_neither_demoted_nor_removed_nor_leave(
    client: TestClient[Litestar], factory: Factory
) -> None:
    owner, organizer = factory.user("dona"), factory.user("org")
    organization_id = create(client, factory, owner)
    factory.member(organization_id, organizer, "organizer")
    member = f"/api/organizations/{organization_id}/members/{owner}/"
    demoted = client.patch(member, json={"role": "admin"}, headers=factory.auth(owner))
    assert demoted.status_code == 409 and demoted.json()["code"] == "last_owner"
    left = client.delete(member, headers=factory.auth(owner))
    assert left.status_code == 409 and left.json()["code"] == "last_owner"
    assert roles(factory, organization_id) == {owner: "owner", organizer: "organizer"}
    # Anyone else may leave; and with a second owner, the first may go too.
    assert (
        client.delete(
            f"/api/organizations/{organization_id}/members/{organizer}/", headers=factory.auth(organizer)
        ).status_code
        == 204
    )
    second = factory.user("segunda")
    factory.member(organization_id, second, "owner")
    assert client.delete(member, headers=factory.auth(owner)).status_code == 204
    assert roles(factory, organization_id) == {second: "owner"}


def test_admins_remove_organizers_and_admins_but_not_owners(client: TestClient[Litestar], factory: Factory) -> None:
    owner, admin, other_admin, organizer = (factory.user(name) for name in ("dona", "admin", "admin2", "org"))
    organization_id = create(client, factory, owner)
    for user, role in ((admin, "admin"), (other_admin, "admin"), (organizer, "organizer")):
        factory.member(organization_id, user, role)

    def remove(actor: int, user: int) -> Any:
        return client.delete(f"/api/organizations/{organization_id}/members/{user}/", headers=factory.auth(actor))

    assert remove(organizer, admin).status_code == 403
    assert remove(admin, owner).json()["code"] == "owners_only_for_owners"
    assert remove(admin, organizer).status_code == 204
    assert remove(admin, other_admin).status_code == 204
    assert remove(admin, organizer).status_code == 404
    assert roles(factory, organization_id) == {owner: "owner", admin: "admin"}


@pytest.mark.anyio
async def test_two_owners_demoting_each_other_at_once_leave_one_owner(settings: Settings, factory: Factory) -> None:
    first, second = factory.user("dona1"), factory.user("dona2")
    organization_id = factory.organization("Dupla", owner=first)
    factory.member(organization_id, second, "owner")
    engine = create_engine(settings)
    sessions = create_session_maker(engine)

    async def demote(session: AsyncSession, actor: int, target: int) -> None:
        user = await session.get(User, actor)
        assert user is not None
        await OrganizationService(session).change_role(organization_id, target, "admin", user)

    try:
        async with sessions() as one, sessions() as other:
            await demote(one, first, second)  # not committed yet
            # The second owner demotes the first meanwhile: it waits for the organization's row…
            racing = asyncio.create_task(demote(other, second, first))
            await asyncio.sleep(0.5)
            assert not racing.done()
            await one.commit()
            # …and then finds it is no longer an owner.
            with pytest.raises(PermissionDenied):
                await racing
            await other.rollback()
    finally:
        await engine.dispose()
    assert roles(factory, organization_id) == {first: "owner", second: "admin"}


def test_the_members_list_is_paged_owners_first_at_a_constant_query_count(
    client: TestClient[Litestar], app: Litestar, factory: Factory
) -> None:
    owner = factory.user("dona")
    organization_id = create(client, factory, owner)
    for n in range(25):
        factory.member(organization_id, factory.user(f"membro{n:02d}"), "organizer" if n % 5 else "admin")
    path = f"/api/organizations/{organization_id}/members/"
    page = client.get(f"{path}?page_size=10").json()
    assert page["count"] == 26 and len(page["results"]) == 10
    assert [m["role"] for m in page["results"][:6]] == ["owner"] + ["admin"] * 5
    assert page["results"][0] == {**page["results"][0], "username": "dona", "name": "Dona Silva"}
    assert "email" not in page["results"][0]
    assert client.get("/api/organizations/999999/members/").status_code == 404
    # The organization, the count and the page, whatever the page size.
    sizes = [queries_for(client, app, f"{path}?page_size={size}") for size in (1, 10, 100)]
    assert sizes[0] == sizes[1] == sizes[2] <= 3, sizes


# --- invitations ---


def invite(client: TestClient[Litestar], factory: Factory, organization_id: int, actor: int, **body: Any) -> Any:
    return client.post(f"/api/organizations/{organization_id}/invitations/", json=body, headers=factory.auth(actor))


def accept_token(message_text: str) -> str:
    link = re.search(r"https://\S+/organizations/invitations/accept\?token=\S+", message_text)
    assert link is not None, message_text
    assert link.group(0).startswith(f"{PUBLIC_URL}/organizations/invitations/accept?token=")
    return parse_qs(urlsplit(link.group(0)).query)["token"][0]


@pytest.mark.anyio
async def test_an_email_invitation_reaches_the_address_and_its_link_makes_a_member(
    client: TestClient[Litestar], settings: Settings, sink: SmtpSink, factory: Factory
) -> None:
    owner = factory.user("dona")
    organization_id = create(client, factory, owner, "Coletivo Mangue Vivo")
    invited = invite(client, factory, organization_id, owner, email="nova@example.org", role="admin")
    assert invited.status_code == 201, invited.text
    assert invited.json()["email"] == "nova@example.org" and invited.json()["user_id"] is None
    assert factory.count("procrastinate_jobs", "task_name = 'send_organization_invitation'") == 1
    await run_jobs(settings, queues=["emails"])

    [message] = messages_to(sink, "nova@example.org")
    assert message["Subject"] == "Convite para participar de Coletivo Mangue Vivo no Mutirões"
    text = text_of(message)
    assert "Dona Silva convidou você para participar de Coletivo Mangue Vivo como administrador(a)." in text
    token = accept_token(text)
    # Only the token's hash is kept, and neither the database nor the job holds the token itself.
    stored = factory.execute("SELECT token_hash FROM organization_invitations").scalar_one()
    assert stored == InvitationTokens.hash_of(token) and token not in str(snapshot(factory))
    assert token not in str(factory.execute("SELECT args FROM procrastinate_jobs").all())

    newcomer = factory.user("nova")  # signs up with the invited address
    accepted = client.post(
        "/api/organizations/invitations/accept/", json={"token": token}, headers=factory.auth(newcomer)
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["my_role"] == "admin" and accepted.json()["members_count"] == 2
    assert roles(factory, organization_id) == {owner: "owner", newcomer: "admin"}
    again = client.post("/api/organizations/invitations/accept/", json={"token": token}, headers=factory.auth(newcomer))
    assert again.status_code == 409 and again.json()["code"] == "invitation_used"
    assert client.get(f"/api/organizations/{organization_id}/invitations/", headers=factory.auth(owner)).json() == []


@pytest.mark.anyio
async def test_an_invitation_by_username_is_for_that_person_only_and_in_their_language(
    client: TestClient[Litestar], settings: Settings, sink: SmtpSink, factory: Factory
) -> None:
    owner, john, stranger = factory.user("dona"), factory.user("john"), factory.user("estranho")
    factory.execute("UPDATE users SET language = 'en' WHERE id = :u", u=john)
    organization_id = create(client, factory, owner)
    assert invite(client, factory, organization_id, owner, username="JOHN").status_code == 201
    await run_jobs(settings, queues=["emails"])
    [message] = messages_to(sink, "john@example.org")
    assert message["Subject"] == "Invitation to join Coletivo Praia Limpa on Mutirões"
    assert "as organizer" in text_of(message)
    token = accept_token(text_of(message))
    refused = client.post(
        "/api/organizations/invitations/accept/", json={"token": token}, headers=factory.auth(stranger)
    )
    assert refused.status_code == 403 and refused.json()["code"] == "invitation_not_for_you"
    accepted = client.post("/api/organizations/invitations/accept/", json={"token": token}, headers=factory.auth(john))
    assert accepted.status_code == 200 and roles(factory, organization_id)[john] == "organizer"


def test_who_may_invite_whom(client: TestClient[Litestar], factory: Factory) -> None:
    owner, admin, organizer, ana = (factory.user(name) for name in ("dona", "admin", "org", "ana"))
    organization_id = create(client, factory, owner)
    factory.member(organization_id, admin, "admin")
    factory.member(organization_id, organizer, "organizer")
    before = snapshot(factory)
    assert invite(client, factory, organization_id, organizer, username="ana").status_code == 403
    assert invite(client, factory, organization_id, admin, username="ana", role="owner").status_code == 403
    assert invite(client, factory, organization_id, owner, username="org").json()["code"] == "already_member"
    assert invite(client, factory, organization_id, owner, username="ninguem").json()["code"] == "user_not_found"
    assert invite(client, factory, organization_id, owner, email="sem-arroba").json()["code"] == "email_invalid"
    assert invite(client, factory, organization_id, owner).json()["code"] == "username_or_email"
    both = invite(client, factory, organization_id, owner, username="ana", email="ana@example.org")
    assert both.json()["code"] == "username_or_email"
    assert invite(client, factory, organization_id, owner, username="ana", role="chefe").status_code == 400
    assert snapshot(factory) == before
    assert factory.count("procrastinate_jobs", "task_name = 'send_organization_invitation'") == 0
    assert invite(client, factory, organization_id, admin, username="ana", role="admin").status_code == 201
    twice = invite(client, factory, organization_id, owner, email="ANA@example.org")
    assert twice.status_code == 409 and twice.json()["code"] == "already_invited"
    pending = client.get(f"/api/organizations/{organization_id}/invitations/", headers=factory.auth(owner)).json()
    assert [(i["user_id"], i["role"], i["invited_by"]) for i in pending] == [(ana, "admin", "admin")]
    assert (
        client.get(f"/api/organizations/{organization_id}/invitations/", headers=factory.auth(organizer)).status_code
        == 403
    )


@pytest.mark.anyio
async def test_an_expired_a_revoked_and_an_unknown_invitation_are_refused_clearly(
    client: TestClient[Litestar], settings: Settings, sink: SmtpSink, factory: Factory
) -> None:
    owner, ana, bia = factory.user("dona"), factory.user("ana"), factory.user("bia")
    organization_id = create(client, factory, owner)
    expiring = invite(client, factory, organization_id, owner, username="ana").json()
    revoked = invite(client, factory, organization_id, owner, username="bia").json()
    week = dt.datetime.fromisoformat(expiring["expires_at"]) - dt.datetime.fromisoformat(expiring["created_at"])
    assert week == dt.timedelta(days=settings.organization_invitation_days) == dt.timedelta(days=7)
    await run_jobs(settings, queues=["emails"])
    tokens = {user: accept_token(text_of(messages_to(sink, f"{user}@example.org")[0])) for user in ("ana", "bia")}

    revoke = f"/api/organizations/{organization_id}/invitations/{revoked['id']}/"
    assert client.delete(revoke, headers=factory.auth(ana)).status_code == 403
    assert client.delete(revoke, headers=factory.auth(owner)).status_code == 204
    assert client.delete(revoke, headers=factory.auth(owner)).status_code == 204  # revoking twice is revoking
    # A week later.
    factory.execute(
        "UPDATE organization_invitations SET expires_at = now() - interval '1 second' WHERE id = :i", i=expiring["id"]
    )

    def accept(token: str, user: int) -> Any:
        return client.post("/api/organizations/invitations/accept/", json={"token": token}, headers=factory.auth(user))

    before = snapshot(factory)
    late = accept(tokens["ana"], ana)
    assert (late.status_code, late.json()["code"]) == (410, "invitation_expired")
    gone = accept(tokens["bia"], bia)
    assert (gone.status_code, gone.json()["code"]) == (410, "invitation_revoked")
    unknown = accept("not-a-token", ana)
    assert (unknown.status_code, unknown.json()["code"]) == (400, "invitation_invalid")
    assert accept("", ana).status_code == 400
    assert snapshot(factory) == before
    assert client.get(f"/api/organizations/{organization_id}/invitations/", headers=factory.auth(owner)).json() == []


# --- followers, the caller's organizations, the logo ---


def test_following_is_idempotent_and_shows_on_the_page_and_in_my_organizations(
    client: TestClient[Litestar], factory: Factory
) -> None:
    owner, ana = factory.user("dona"), factory.user("ana")
    praia = create(client, factory, owner, "Praia Limpa")
    verde = create(client, factory, owner, "Verde Vivo")
    follow = f"/api/organizations/{verde}/follow/"
    for _ in range(2):
        assert client.post(follow, headers=factory.auth(ana)).status_code == 204
    page = client.get(f"/api/organizations/{verde}/", headers=factory.auth(ana)).json()
    assert page["followers_count"] == 1 and page["is_following"] is True and page["my_role"] is None
    mine = client.get("/api/organizations/mine/", headers=factory.auth(ana)).json()
    assert mine["memberships"] == [] and [o["id"] for o in mine["following"]] == [verde]
    owned = client.get("/api/organizations/mine/", headers=factory.auth(owner)).json()
    assert [(o["id"], o["role"]) for o in owned["memberships"]] == [(praia, "owner"), (verde, "owner")]
    for _ in range(2):
        assert client.delete(follow, headers=factory.auth(ana)).status_code == 204
    assert client.get(f"/api/organizations/{verde}/").json()["followers_count"] == 0
    assert client.post("/api/organizations/999999/follow/", headers=factory.auth(ana)).status_code == 404
    assert client.post(follow).status_code == 401
    assert client.get("/api/organizations/mine/").status_code == 401


def test_owners_and_admins_upload_the_logo_through_the_picture_pipeline(
    client: TestClient[Litestar], settings: Settings, factory: Factory
) -> None:
    owner, organizer = factory.user("dona"), factory.user("org")
    organization_id = create(client, factory, owner)
    factory.member(organization_id, organizer, "organizer")
    logo = f"/api/organizations/{organization_id}/logo/"
    refused = client.post(logo, files={"logo": ("logo.png", png(), "image/png")}, headers=factory.auth(organizer))
    assert refused.status_code == 403
    not_an_image = client.post(logo, files={"logo": ("logo.png", b"texto", "image/png")}, headers=factory.auth(owner))
    assert not_an_image.status_code == 400 and not_an_image.json()["errors"][0]["field"] == "logo"
    answer = client.post(logo, files={"logo": ("logo.png", png(), "image/png")}, headers=factory.auth(owner))
    assert answer.status_code == 200, answer.text
    url = answer.json()["logo_url"]
    assert url.startswith(f"{settings.media_base_url}/logos/{organization_id}/")
    stored = client.get(url.removeprefix(settings.media_base_url.removesuffix("/media")))
    assert Image.open(io.BytesIO(stored.content)).size == (512, 384)
    cleared = client.delete(logo, headers=factory.auth(owner))
    assert cleared.status_code == 200 and cleared.json()["logo_url"] == ""
