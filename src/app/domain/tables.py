"""Every domain's models, imported together so Alembic sees the whole schema."""

from app.domain.accounts import models as accounts
from app.domain.base import metadata

__all__ = ("accounts", "metadata")
