"""What the notification tests share: participants made directly in the database, jobs queued by name, and
reading the messages the SMTP sink received."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from email.message import EmailMessage
from typing import Any

from tests.support.factories import Factory
from tests.support.smtp import SmtpSink

COUNTER_OF_STATUS = {"confirmed": "participants_count", "waitlisted": "waitlist_count", "pending": "pending_count"}


def add_participants(factory: Factory, event_id: int, user_ids: Iterable[int], status: str = "confirmed") -> None:
    """Participations in `status`, in the order given (arrival order), with the event's counter kept right."""
    ids = list(user_ids)
    for user_id in ids:
        factory.execute(
            """
            INSERT INTO event_participants (event_id, user_id, status, emergency_contact, emergency_phone,
                special_needs, experience_level, checked_in, joined_at, created_at, updated_at)
            VALUES (:event, :user, :status, '', '', '', 'beginner', false, now(), now(), now())
            """,
            event=event_id,
            user=user_id,
            status=status,
        )
    counter = COUNTER_OF_STATUS.get(status)
    if counter:
        factory.execute(f"UPDATE events SET {counter} = {counter} + :n WHERE id = :id", n=len(ids), id=event_id)


def defer(factory: Factory, task_name: str, queue: str, *, lock: str | None = None, **args: Any) -> int:
    """Queue a job by its task name, as `procrastinate defer` does."""
    job_id: int = factory.scalar(
        """
        SELECT unnest(procrastinate_defer_jobs_v1(ARRAY[
            ROW(:queue, :task, 0, :lock, NULL, CAST(:args AS jsonb), NULL)
        ]::procrastinate_job_to_defer_v1[]))
        """,
        queue=queue,
        task=task_name,
        lock=lock,
        args=json.dumps(args),
    )
    return job_id


def opt_out(factory: Factory, user_id: int, preference: str) -> None:
    factory.execute(
        "UPDATE user_profiles SET notification_preferences = notification_preferences || "
        "jsonb_build_object(CAST(:key AS text), false) WHERE user_id = :user",
        key=preference,
        user=user_id,
    )


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


def recipients(sink: SmtpSink) -> Counter[str]:
    """How many messages each address received."""
    return Counter(address for item in sink.received for address in item.rcpt_tos)


def messages_to(sink: SmtpSink, address: str) -> list[EmailMessage]:
    return [item.message for item in sink.received if address in item.rcpt_tos]


def unsubscribe_url(message: EmailMessage) -> str:
    header = str(message["List-Unsubscribe"])
    assert header.startswith("<") and header.endswith(">"), header
    return header[1:-1]
