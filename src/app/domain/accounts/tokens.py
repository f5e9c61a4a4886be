"""JSON Web Tokens: issuing and verifying access and refresh tokens.

The verifier pins the algorithm (so `alg=none` and algorithm swaps fail) and the token type (so a
refresh token is never accepted as an access token, nor the reverse).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal
from uuid import UUID, uuid4

import jwt
import msgspec

from app.config.settings import Settings
from app.domain.errors import AuthenticationFailed
from app.domain.ids import parse_id

TokenType = Literal["access", "refresh"]
REQUIRED_CLAIMS = ["sub", "iat", "exp", "jti", "type"]


class TokenClaims(msgspec.Struct, frozen=True):
    sub: int  # the user's id (a string in the JWT, as RFC 7519 wants)
    jti: UUID  # random: the refresh-token record's id
    type: TokenType
    iat: dt.datetime
    exp: dt.datetime


class TokenCodec:
    def __init__(
        self, *, secret: str, algorithm: str, access_lifetime: dt.timedelta, refresh_lifetime: dt.timedelta
    ) -> None:
        self._secret = secret
        self._algorithm = algorithm
        self.access_lifetime = access_lifetime
        self.refresh_lifetime = refresh_lifetime

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenCodec:
        return cls(
            secret=settings.jwt_secret,
            algorithm=settings.jwt_algorithm,
            access_lifetime=dt.timedelta(minutes=settings.jwt_access_minutes),
            refresh_lifetime=dt.timedelta(days=settings.jwt_refresh_days),
        )

    def issue(
        self, user_id: int, token_type: TokenType, *, now: dt.datetime, jti: UUID | None = None
    ) -> tuple[str, TokenClaims]:
        lifetime = self.access_lifetime if token_type == "access" else self.refresh_lifetime  # noqa: S105 - a token type, not a secret
        claims = TokenClaims(sub=user_id, jti=jti or uuid4(), type=token_type, iat=now, exp=now + lifetime)
        payload = {
            "sub": str(claims.sub),
            "jti": str(claims.jti),
            "type": token_type,
            "iat": int(claims.iat.timestamp()),
            "exp": int(claims.exp.timestamp()),
        }
        return jwt.encode(payload, self._secret, algorithm=self._algorithm), claims

    def verify(self, token: str, expected_type: TokenType) -> TokenClaims:
        """The token's claims, or AuthenticationFailed: bad signature, wrong alg/type, expired, malformed."""
        try:
            payload = jwt.decode(
                token, self._secret, algorithms=[self._algorithm], options={"require": REQUIRED_CLAIMS}
            )
        except jwt.ExpiredSignatureError:
            raise AuthenticationFailed("token_expired") from None
        except jwt.PyJWTError:
            raise AuthenticationFailed("token_invalid") from None
        if payload.get("type") != expected_type:
            raise AuthenticationFailed("token_wrong_type")
        user_id = parse_id(str(payload["sub"]))
        if user_id is None:
            raise AuthenticationFailed("token_invalid")
        try:
            return TokenClaims(
                sub=user_id,
                jti=UUID(str(payload["jti"])),
                type=expected_type,
                iat=dt.datetime.fromtimestamp(int(payload["iat"]), dt.UTC),
                exp=dt.datetime.fromtimestamp(int(payload["exp"]), dt.UTC),
            )
        except (ValueError, TypeError):
            raise AuthenticationFailed("token_invalid") from None
