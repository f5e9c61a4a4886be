"""The declarative base shared by every domain's models."""

from __future__ import annotations

from advanced_alchemy.base import UUIDAuditBase, UUIDBase, orm_registry

__all__ = ("UUIDAuditBase", "UUIDBase", "metadata")

metadata = orm_registry.metadata
