"""What was sent: one row per message the SMTP server accepted, written as it is accepted.

These rows make sending idempotent. A reminder is sent once per (event, participant), whatever the number
of workers and runs; a notice once per (job, recipient), so a job that runs again resends nothing.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    func,
    literal_column,
    text,
)

from app.domain.accounts.models import UserProfile
from app.domain.base import metadata
from app.domain.events.models import Event

event_reminders = Table(
    "event_reminders",
    metadata,
    Column("event_id", BigInteger, ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("sent_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

notice_deliveries = Table(
    "notice_deliveries",
    metadata,
    # The Procrastinate job that sent it: a notice is one job.
    Column("job_id", BigInteger, primary_key=True),
    Column("user_id", BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_notice_deliveries_sent_at", "sent_at"),
)

# New-event notices: one row per (volunteer, published event) that matched them, queued in the publishing job
# and marked when the email that carried it (alone or in a digest) was accepted by SMTP.
new_event_notices = Table(
    "new_event_notices",
    metadata,
    Column("user_id", BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("event_id", BigInteger, ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("queued_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    Index("ix_new_event_notices_unsent", "user_id", postgresql_where=text("sent_at IS NULL")),
)

# At most one new-event email per volunteer per day (in APP_TIMEZONE): the day is claimed before sending.
new_event_emails = Table(
    "new_event_emails",
    metadata,
    Column("user_id", BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("sent_at", DateTime(timezone=True), nullable=True),
)

# Where a profile's city is: Brazil's places from GeoNames (db/data/br_cities.csv, CC BY 4.0), one per state and
# accent-folded name (`mutiroes_fold`, migration 0019), for "within 50 km" of a new event.
br_cities = Table(
    "br_cities",
    metadata,
    Column("state", String(2), primary_key=True),
    Column("name_key", String(100), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("latitude", Float, nullable=False),
    Column("longitude", Float, nullable=False),
    Column("population", Integer, nullable=False),
    Column("geonameid", Integer, nullable=False),
)

# New-event matching joins profiles to places by (folded city, state).
ix_user_profiles_place = Index(
    "ix_user_profiles_place", literal_column("mutiroes_fold(city)"), UserProfile.__table__.c.state
)

# Reminders and the nightly clean-up look for published events by start date; declared beside the jobs
# that need it.
ix_events_published_start = Index(
    "ix_events_published_start",
    Event.__table__.c.start_date,
    postgresql_where=text("status = 'published'"),
)
