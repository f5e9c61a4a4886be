"""Resources an event needs (tools, materials, equipment) and the volunteers' pledges to bring them.

`quantity_provided` is the sum of the resource's pledges, stored on the resource and kept by the pledge
rules in the same transaction as each change (under the resource row's lock), so lists never sum rows.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.base import IdentityAuditBase

RESOURCE_TYPES = ("tool", "material", "equipment", "other")
DEFAULT_UNIT = "unidades"


class EventResource(IdentityAuditBase):
    __tablename__ = "event_resources"
    __table_args__ = (
        CheckConstraint(f"resource_type IN {RESOURCE_TYPES}", name="resource_type_known"),
        CheckConstraint("quantity_needed >= 1", name="quantity_needed_positive"),
        CheckConstraint("quantity_provided >= 0", name="quantity_provided_not_negative"),
    )

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    resource_type: Mapped[str] = mapped_column(String(16))
    quantity_needed: Mapped[int] = mapped_column(Integer)
    quantity_provided: Mapped[int] = mapped_column(Integer, default=0)
    unit: Mapped[str] = mapped_column(String(30), default=DEFAULT_UNIT)

    @property
    def is_fully_provided(self) -> bool:
        return self.quantity_provided >= self.quantity_needed


class ResourcePledge(IdentityAuditBase):
    __tablename__ = "resource_pledges"
    __table_args__ = (
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        # One pledge per volunteer and resource: pledging again replaces it.
        UniqueConstraint("resource_id", "user_id"),
    )

    resource_id: Mapped[int] = mapped_column(ForeignKey("event_resources.id", ondelete="CASCADE"))
    # Indexed for the cascade when an account is deleted.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
