"""Event comments (SPEC): a thread per event, one level of replies, oldest first; the author edits or deletes, the
organizer and staff delete; a page costs a constant number of queries."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.support.factories import Factory

COMMENT_FIELDS = {
    "id", "content", "parent", "user", "user_name", "user_avatar", "replies", "created_at", "updated_at",
}  # fmt: skip


def comment(
    factory: Factory,
    event_id: int,
    user_id: int,
    content: str = "Conte comigo!",
    *,
    parent: int | None = None,
    minutes_ago: int = 0,
) -> int:
    comment_id: int = factory.scalar(
        """
        INSERT INTO event_comments (event_id, user_id, parent_id, content, created_at, updated_at)
        VALUES (:event, :user, :parent, :content, now() - make_interval(mins => :ago),
                now() - make_interval(mins => :ago))
        RETURNING id
        """,
        event=event_id,
        user=user_id,
        parent=parent,
        content=content,
        ago=minutes_ago,
    )
    return comment_id


def comments_url(event_id: int, comment_id: int | None = None) -> str:
    return f"/api/events/{event_id}/comments/" + (f"{comment_id}/" if comment_id else "")


def stored(factory: Factory, event_id: int) -> int:
    return factory.count("event_comments", "event_id = :id", id=event_id)


def test_volunteers_comment_and_reply_and_the_thread_shows_names_avatars_and_replies(
    client: TestClient[Litestar], factory: Factory
) -> None:
    organizer, volunteer = factory.user("organiza"), factory.user("ana")
    factory.execute(
        "UPDATE user_profiles SET avatar_url = 'https://cdn.example.org/ana.png' WHERE user_id = :u", u=volunteer
    )
    factory.execute("UPDATE users SET first_name = '', last_name = '' WHERE id = :u", u=organizer)
    event_id = factory.event(organizer)

    asked = client.post(
        comments_url(event_id), json={"content": "  Preciso levar luvas?  "}, headers=factory.auth(volunteer)
    )
    assert asked.status_code == 201, asked.text
    question = asked.json()
    assert set(question) == COMMENT_FIELDS
    assert question["content"] == "Preciso levar luvas?"
    assert (question["parent"], question["replies"]) == (None, [])
    assert (question["user"], question["user_name"]) == (volunteer, "Ana Silva")
    assert question["user_avatar"] == "https://cdn.example.org/ana.png"

    answered = client.post(
        comments_url(event_id),
        json={"content": "Não, nós fornecemos.", "parent": question["id"]},
        headers=factory.auth(organizer),
    )
    assert answered.status_code == 201, answered.text
    assert answered.json()["parent"] == question["id"]
    assert answered.json()["user_name"] == "organiza"  # no full name: the username
    client.post(
        comments_url(event_id),
        json={"content": "Obrigada!", "parent": question["id"]},
        headers=factory.auth(volunteer),
    )
    client.post(comments_url(event_id), json={"content": "Que horas começa?"}, headers=factory.auth(volunteer))

    page = client.get(comments_url(event_id))
    assert page.status_code == 200, page.text
    body = page.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert (body["count"], body["next"], body["previous"]) == (2, None, None)
    first, second = body["results"]
    assert set(first) == COMMENT_FIELDS
    assert [first["content"], second["content"]] == ["Preciso levar luvas?", "Que horas começa?"]
    assert [reply["content"] for reply in first["replies"]] == ["Não, nós fornecemos.", "Obrigada!"]
    assert second["replies"] == []
    reply = first["replies"][0]
    assert set(reply) == COMMENT_FIELDS
    assert (reply["parent"], reply["replies"], reply["user"]) == (first["id"], [], organizer)
    assert (reply["user_name"], reply["user_avatar"]) == ("organiza", "")


def test_comments_are_paginated_oldest_first_in_the_drf_envelope(
    client: TestClient[Litestar], factory: Factory
) -> None:
    organizer = factory.user("org")
    event_id = factory.event(organizer)
    for n in range(25):
        comment(factory, event_id, organizer, f"Comentário {n:02d}", minutes_ago=100 - n)

    first = client.get(comments_url(event_id) + "?page_size=10&lang=pt").json()
    assert first["count"] == 25
    assert [c["content"] for c in first["results"]] == [f"Comentário {n:02d}" for n in range(10)]
    assert first["previous"] is None
    link = urlsplit(first["next"])
    assert link.scheme == "http" and link.netloc  # absolute
    assert link.path.rstrip("/") == f"/api/events/{event_id}/comments"
    assert parse_qs(link.query) == {"page_size": ["10"], "lang": ["pt"], "page": ["2"]}
    second = client.get(first["next"]).json()
    assert [c["content"] for c in second["results"]] == [f"Comentário {n:02d}" for n in range(10, 20)]

    last = client.get(comments_url(event_id) + "?limit=10&page=3").json()
    assert [c["content"] for c in last["results"]] == [f"Comentário {n:02d}" for n in range(20, 25)]
    assert last["next"] is None
    assert parse_qs(urlsplit(last["previous"]).query) == {"limit": ["10"], "page": ["2"]}

    assert len(client.get(comments_url(event_id)).json()["results"]) == 20  # the default page size
    assert client.get(comments_url(event_id) + "?page_size=10&page=4").status_code == 404
    assert client.get(comments_url(event_id) + "?page_size=101").status_code == 400
    assert client.get(comments_url(event_id) + "?page=0").status_code == 400


@pytest.mark.parametrize("event", [{"status": "draft"}, {"is_public": False}])
def test_comments_of_a_draft_or_private_event_are_404_to_strangers(
    client: TestClient[Litestar], factory: Factory, event: dict[str, Any]
) -> None:
    organizer, stranger, staff = factory.user("org"), factory.user("estranha"), factory.user("equipe", is_staff=True)
    event_id = factory.event(organizer, **event)
    comment(factory, event_id, organizer, "Nota interna")

    assert client.get(comments_url(event_id)).status_code == 404
    assert client.get(comments_url(event_id), headers=factory.auth(stranger)).status_code == 404
    refused = client.post(comments_url(event_id), json={"content": "Oi"}, headers=factory.auth(stranger))
    assert refused.status_code == 404
    assert refused.json()["code"] == "event_not_found"
    assert stored(factory, event_id) == 1
    for insider in (organizer, staff):
        seen = client.get(comments_url(event_id), headers=factory.auth(insider))
        assert seen.status_code == 200 and seen.json()["count"] == 1
    assert client.get(comments_url(999_999)).status_code == 404


def test_only_the_author_edits_a_comment(client: TestClient[Litestar], factory: Factory) -> None:
    organizer, author = factory.user("org"), factory.user("autora")
    stranger, staff = factory.user("estranho"), factory.user("equipe", is_staff=True)
    event_id = factory.event(organizer)
    comment_id = comment(factory, event_id, author, "Levo sacos de lixo", minutes_ago=5)
    reply_id = comment(factory, event_id, organizer, "Ótimo!", parent=comment_id)

    for other in (stranger, organizer, staff):
        denied = client.patch(comments_url(event_id, comment_id), json={"content": "X"}, headers=factory.auth(other))
        assert denied.status_code == 403, other
    assert factory.scalar("SELECT content FROM event_comments WHERE id = :id", id=comment_id) == "Levo sacos de lixo"

    edited = client.patch(
        comments_url(event_id, comment_id), json={"content": " Levo sacos e luvas "}, headers=factory.auth(author)
    )
    assert edited.status_code == 200, edited.text
    assert set(edited.json()) == COMMENT_FIELDS
    assert edited.json()["content"] == "Levo sacos e luvas"
    assert [r["id"] for r in edited.json()["replies"]] == [reply_id]
    assert dt.datetime.fromisoformat(edited.json()["updated_at"]) > dt.datetime.fromisoformat(
        edited.json()["created_at"]
    )
    assert factory.scalar("SELECT content FROM event_comments WHERE id = :id", id=comment_id) == "Levo sacos e luvas"

    assert (
        client.patch(comments_url(event_id, 999_999), json={"content": "X"}, headers=factory.auth(author)).status_code
        == 404
    )
    elsewhere = factory.event(organizer)
    assert (
        client.patch(
            comments_url(elsewhere, comment_id), json={"content": "X"}, headers=factory.auth(author)
        ).status_code
        == 404
    )
    too_long = client.patch(
        comments_url(event_id, comment_id), json={"content": "x" * 2001}, headers=factory.auth(author)
    )
    assert too_long.status_code == 400
    assert too_long.json()["errors"][0]["field"] == "content"


def test_the_author_the_organizer_and_staff_may_delete_a_comment_with_its_replies(
    client: TestClient[Litestar], factory: Factory
) -> None:
    organizer, author = factory.user("org"), factory.user("autor")
    stranger, staff = factory.user("estranho"), factory.user("equipe", is_staff=True)
    event_id = factory.event(organizer)
    by_author = comment(factory, event_id, author, "Primeiro", minutes_ago=3)
    comment(factory, event_id, stranger, "Resposta", parent=by_author)
    moderated = comment(factory, event_id, author, "Spam", minutes_ago=2)
    by_staff = comment(factory, event_id, author, "Fora do tema", minutes_ago=1)

    denied = client.delete(comments_url(event_id, by_author), headers=factory.auth(stranger))
    assert denied.status_code == 403
    assert denied.json()["code"] == "comment_delete_denied"
    assert stored(factory, event_id) == 4

    assert client.delete(comments_url(event_id, by_author), headers=factory.auth(author)).status_code == 204
    assert stored(factory, event_id) == 2  # its reply went with it
    assert client.delete(comments_url(event_id, moderated), headers=factory.auth(organizer)).status_code == 204
    assert client.delete(comments_url(event_id, by_staff), headers=factory.auth(staff)).status_code == 204
    assert stored(factory, event_id) == 0
    assert client.delete(comments_url(event_id, by_staff), headers=factory.auth(staff)).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"content": ""}, "content"),
        ({"content": "   \n "}, "content"),
        ({"content": "x" * 2001}, "content"),
        ({"content": 5}, "content"),
        ({}, "content"),
        ({"content": "Oi", "parent": "not-a-number"}, "parent"),
        ({"content": "Oi", "parent": "reply"}, "parent"),
        ({"content": "Oi", "parent": "elsewhere"}, "parent"),
        ({"content": "Oi", "parent": "unknown"}, "parent"),
    ],
)
def test_bad_comments_are_400_and_nothing_is_stored(
    client: TestClient[Litestar], factory: Factory, body: dict[str, Any], field: str
) -> None:
    organizer, volunteer = factory.user("org"), factory.user("vol")
    event_id = factory.event(organizer)
    top = comment(factory, event_id, organizer, "Bem-vindos", minutes_ago=2)
    parents = {
        "reply": comment(factory, event_id, volunteer, "Obrigado", parent=top),
        "elsewhere": comment(factory, factory.event(organizer), organizer, "Outro evento"),
        "unknown": 999_999,
    }
    if body.get("parent") in parents:
        body = {**body, "parent": parents[body["parent"]]}
    before = factory.count("event_comments")

    response = client.post(comments_url(event_id), json=body, headers=factory.auth(volunteer))
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["field"] == field
    assert factory.count("event_comments") == before


def test_2000_characters_is_the_longest_comment(client: TestClient[Litestar], factory: Factory) -> None:
    event_id = factory.event(factory.user("org"))
    response = client.post(comments_url(event_id), json={"content": "é" * 2000}, headers=factory.auth(factory.user()))
    assert response.status_code == 201, response.text
    assert len(response.json()["content"]) == 2000


def test_writing_comments_needs_a_token(client: TestClient[Litestar], factory: Factory) -> None:
    organizer = factory.user("org")
    event_id = factory.event(organizer)
    comment_id = comment(factory, event_id, organizer)
    assert client.post(comments_url(event_id), json={"content": "Oi"}).status_code == 401
    assert client.patch(comments_url(event_id, comment_id), json={"content": "Oi"}).status_code == 401
    assert client.delete(comments_url(event_id, comment_id)).status_code == 401
    bad_token = client.get(comments_url(event_id), headers={"Authorization": "Bearer nope"})
    assert bad_token.status_code == 401
    assert stored(factory, event_id) == 1
    assert client.get(comments_url(event_id)).json()["count"] == 1  # reading a public event's thread needs none


def _queries_for(client: TestClient[Litestar], app: Litestar, path: str, headers: dict[str, str] | None) -> int:
    log = app.state.query_log
    client.get(path, headers=headers)  # warm-up: a new connection may introspect types once
    before = log.count
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    return int(log.count - before)


def test_a_page_of_comments_issues_a_constant_number_of_queries(
    client: TestClient[Litestar], app: Litestar, factory: Factory
) -> None:
    organizer, volunteer = factory.user("org"), factory.user("vol")
    event_id = factory.event(organizer)
    factory.execute(
        """
        INSERT INTO event_comments (event_id, user_id, content, created_at, updated_at)
        SELECT :event, :user, 'Comentário ' || n, now() - make_interval(mins => 1000 - n), now()
        FROM generate_series(1, 120) AS n
        """,
        event=event_id,
        user=volunteer,
    )
    factory.execute(
        """
        INSERT INTO event_comments (event_id, user_id, parent_id, content, created_at, updated_at)
        SELECT event_id, :user, id, 'Resposta', created_at + interval '1 second', now()
        FROM event_comments WHERE event_id = :event
        """,
        event=event_id,
        user=organizer,
    )
    for headers in (None, factory.auth(volunteer)):
        small = _queries_for(client, app, comments_url(event_id) + "?page_size=5", headers)
        large = _queries_for(client, app, comments_url(event_id) + "?page_size=100", headers)
        # The event, a count, the page and its replies; with a token, also the caller's look-up.
        assert small == large, (small, large)
        assert large <= (6 if headers is None else 7), large
    page = client.get(comments_url(event_id) + "?page_size=100").json()
    assert len(page["results"]) == 100
    assert all(len(c["replies"]) == 1 for c in page["results"])
