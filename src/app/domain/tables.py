"""Every domain's models, imported together so Alembic sees the whole schema."""

from app.domain.accounts import models as accounts
from app.domain.base import metadata
from app.domain.certificates import models as certificates
from app.domain.comments import models as comments
from app.domain.events import models as events
from app.domain.impact import models as impact
from app.domain.notifications import models as notifications
from app.domain.organizations import models as organizations
from app.domain.participation import models as participation
from app.domain.photos import models as photos
from app.domain.resources import models as resources
from app.domain.spots import models as spots

__all__ = (
    "accounts",
    "certificates",
    "comments",
    "events",
    "impact",
    "metadata",
    "notifications",
    "organizations",
    "participation",
    "photos",
    "resources",
    "spots",
)
