"""The links an email carries: the site, an event's page, and a one-click unsubscribe link.

The unsubscribe token is a JWT signed with the app's secret, of type `unsubscribe`, carrying the user and the
kind of email (a preference of NOTIFICATION_KINDS, or "all"). It has no `exp` or `jti`, so the access and
refresh verifiers refuse it twice over; and it never expires, because an old email's link must still work.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import quote

import jwt
import msgspec

from app.config.settings import Settings
from app.domain.accounts.models import NOTIFICATION_KINDS
from app.domain.errors import ValidationFailed
from app.domain.ids import parse_id

UNSUBSCRIBE_TOKEN_TYPE: Literal["unsubscribe"] = "unsubscribe"  # noqa: S105 - a token type, not a secret
ALL_EMAILS = "all"
UNSUBSCRIBE_PATH = "/api/users/notifications/unsubscribe/"


class Unsubscription(msgspec.Struct, frozen=True):
    user_id: int
    # A key of the notification preferences, or "all".
    kind: str


class Links:
    def __init__(self, *, public_url: str, secret: str, algorithm: str) -> None:
        self.public_url = public_url.rstrip("/")
        self._secret = secret
        self._algorithm = algorithm

    @classmethod
    def from_settings(cls, settings: Settings) -> Links:
        return cls(public_url=settings.public_url, secret=settings.jwt_secret, algorithm=settings.jwt_algorithm)

    @property
    def site(self) -> str:
        return self.public_url

    def event(self, event_id: int) -> str:
        """The event's page in the web app, served from the same origin as the API."""
        return f"{self.public_url}/events/{event_id}"

    def organization_invitation(self, token: str) -> str:
        """The web app's page that accepts an invitation (it POSTs the token to the API once the person logs in)."""
        return f"{self.public_url}/organizations/invitations/accept?token={quote(token)}"

    def unsubscribe(self, user_id: int, kind: str) -> str:
        return f"{self.public_url}{UNSUBSCRIBE_PATH}?token={quote(self.unsubscribe_token(user_id, kind))}"

    def unsubscribe_token(self, user_id: int, kind: str) -> str:
        payload = {"sub": str(user_id), "type": UNSUBSCRIBE_TOKEN_TYPE, "kind": kind}
        return jwt.encode(payload, self._secret, algorithm=self._algorithm)

    def read_unsubscribe_token(self, token: str) -> Unsubscription:
        """The token's user and kind, or ValidationFailed (400): tampered, another token type, unknown kind."""
        try:
            payload = jwt.decode(
                token, self._secret, algorithms=[self._algorithm], options={"require": ["sub", "type", "kind"]}
            )
            kind = str(payload["kind"])
            if payload["type"] != UNSUBSCRIBE_TOKEN_TYPE or kind not in (*NOTIFICATION_KINDS, ALL_EMAILS):
                raise ValueError(kind)
            user_id = parse_id(str(payload["sub"]))
            if user_id is None:
                raise ValueError(payload["sub"])
            return Unsubscription(user_id=user_id, kind=kind)
        except (jwt.PyJWTError, ValueError, TypeError):
            raise ValidationFailed.single("token", "unsubscribe_link_invalid") from None
