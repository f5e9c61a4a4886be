"""Email messages as they go on the wire, their words, and the unsubscribe token: pure functions."""

from __future__ import annotations

import datetime as dt
import email
import email.policy

import jwt
import pytest

from app.domain.errors import ValidationFailed
from app.domain.notifications.email import Email, header_text, to_bytes
from app.domain.notifications.links import Links
from app.domain.notifications.templates import local_when

SECRET = "unit-secret-" + "0123456789abcdef" * 4
SENDER = "Mutirões <nao-responda@mutiroes.org>"


def parse(raw: bytes) -> email.message.EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, email.message.EmailMessage)
    return message


def test_a_message_reads_back_with_both_alternatives_and_its_unicode_headers() -> None:
    sent = Email(
        to_address="ana@example.org",
        to_name="Ana Conceição",
        subject="Mutirão do Igarapé — começa às 09:00",
        text="Olá, Ana!\n\n.linha que começa com ponto\n= sinal de igual\n" + "x" * 200,
        html="<p>Olá, <strong>Ana</strong>!</p>",
        key="k",
        unsubscribe_url="https://mutiroes.example.org/api/users/notifications/unsubscribe/?token=" + "a" * 300,
    )
    raw = to_bytes(sent, sender=SENDER)
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    assert b"\n" not in raw.replace(b"\r\n", b"")  # CRLF line ends only
    message = parse(raw)
    assert all(not part.defects for part in message.walk())
    assert message["From"] == SENDER
    assert message["To"] == "Ana Conceição <ana@example.org>"
    assert message["Subject"] == sent.subject
    assert message["List-Unsubscribe"] == f"<{sent.unsubscribe_url}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    assert text.get_content().replace("\r\n", "\n").rstrip("\n") == sent.text.rstrip("\n")
    assert html.get_content().strip() == sent.html


def test_header_values_never_carry_a_line_break_and_long_unicode_is_split_into_short_encoded_words() -> None:
    injected = header_text("Olá\r\nBcc: everyone@example.org")
    assert "\r\nBcc:" not in injected and "\nBcc:" not in injected
    assert header_text("Plain ASCII\nBcc: x@example.org") == "Plain ASCII Bcc: x@example.org"
    long = header_text("Mutirão " * 20)
    words = long.split("\r\n ")
    assert len(words) > 1 and all(len(word) <= 75 for word in words)
    assert str(parse(f"Subject: {long}\r\n\r\n".encode())["Subject"]) == " ".join(("Mutirão " * 20).split())


def test_the_local_time_is_the_events_own_zone_in_portuguese_or_english() -> None:
    start = dt.datetime(2026, 12, 12, 13, 0, tzinfo=dt.UTC)  # a Saturday
    end = start + dt.timedelta(hours=3)
    assert local_when(start, end, "America/Manaus", english=False) == (
        "sábado, 12 de dezembro de 2026, das 09:00 às 12:00 (horário de Manaus)"
    )
    assert local_when(start, end, "America/Sao_Paulo", english=True) == (
        "Saturday, 12 December 2026, 10:00–13:00 (Sao Paulo time)"
    )
    overnight = local_when(start, start + dt.timedelta(hours=14), "America/Sao_Paulo", english=False)
    assert (
        overnight
        == "sábado, 12 de dezembro de 2026, 10:00, até domingo, 13 de dezembro de 2026, 00:00 (horário de Sao Paulo)"
    )


def test_an_unsubscribe_token_names_its_user_and_kind_and_nothing_else_passes_for_one() -> None:
    links = Links(public_url="https://mutiroes.example.org/", secret=SECRET, algorithm="HS256")
    user_id = 42
    url = links.unsubscribe(user_id, "email_event_reminders")
    assert url.startswith("https://mutiroes.example.org/api/users/notifications/unsubscribe/?token=")
    token = links.unsubscribe_token(user_id, "all")
    read = links.read_unsubscribe_token(token)
    assert (read.user_id, read.kind) == (user_id, "all")
    forged = [
        jwt.encode({"sub": str(user_id), "type": "unsubscribe", "kind": "all"}, "another-secret" * 4, "HS256"),
        jwt.encode({"sub": str(user_id), "type": "access", "kind": "all"}, SECRET, "HS256"),
        jwt.encode({"sub": str(user_id), "type": "unsubscribe", "kind": "email_spam"}, SECRET, "HS256"),
        jwt.encode({"sub": "not-a-number", "type": "unsubscribe", "kind": "all"}, SECRET, "HS256"),
        jwt.encode({"sub": str(user_id), "type": "unsubscribe", "kind": "all"}, SECRET, "HS512"),
        "garbage",
    ]
    for token in forged:
        with pytest.raises(ValidationFailed, match="unsubscribe_link_invalid"):
            links.read_unsubscribe_token(token)


def test_what_people_typed_is_escaped_in_the_html_and_left_as_is_in_the_text() -> None:
    from app.domain.accounts.models import User
    from app.domain.events.models import Event
    from app.domain.notifications.templates import event_email

    start = dt.datetime(2026, 12, 12, 13, 0, tzinfo=dt.UTC)
    event = Event(
        id=7,
        title='<script>alert("x")</script> & cia',
        address="Rua <b>A</b>",
        city="Santos",
        state="SP",
        start_date=start,
        end_date=start + dt.timedelta(hours=2),
        timezone="America/Sao_Paulo",
    )
    user = User(id=42, username="ana", email="ana@example.org", first_name="<i>Ana</i>", language="pt-BR")
    links = Links(public_url="https://mutiroes.example.org", secret=SECRET, algorithm="HS256")
    message = event_email(user, event, "event_cancelled", links=links, unsubscribe_kind="email_event_updates", key="k")
    assert "<script>" not in message.html and "&lt;script&gt;" in message.html and "&amp; cia" in message.html
    assert '<script>alert("x")</script> & cia' in message.text
    assert "Olá, <i>Ana</i>!" in message.text and "Olá, &lt;i&gt;Ana&lt;/i&gt;!" in message.html
