"""The declarative bases shared by every domain's models.

Rows a client can address have positive integer ids (`bigint` identity), as in the original API:
`IdentityAuditBase` (with `created_at`/`updated_at`) and `IdentityBase`. Only refresh-token records keep
a random UUID, because their id is a secret (the token's `jti`).
"""

from __future__ import annotations

from advanced_alchemy.base import IdentityAuditBase, IdentityBase, UUIDBase, orm_registry

__all__ = ("IdentityAuditBase", "IdentityBase", "UUIDBase", "metadata")

metadata = orm_registry.metadata
