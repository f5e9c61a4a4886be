"""Account rules: registration, login, refresh-token rotation, profile and password changes."""

from __future__ import annotations

import datetime as dt
import re
from uuid import UUID, uuid4

from msgspec import UNSET
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain import jobs
from app.domain.accounts.models import NOTIFICATION_KINDS, RefreshToken, User, UserProfile
from app.domain.accounts.passwords import PasswordHashing, password_problems
from app.domain.accounts.schemas import (
    ChangePasswordRequest,
    ProfileUpdate,
    RegisterRequest,
    TokenPair,
    TokenRequest,
)
from app.domain.accounts.tokens import TokenCodec
from app.domain.errors import AuthenticationFailed, FieldError, NotFound, ValidationFailed
from app.domain.events.models import EventCategory
from app.domain.impact.services import StatisticsService
from app.domain.places import is_state
from app.domain.time import utcnow

USERNAME_PATTERN = re.compile(r"^[\w.@+-]{3,150}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_PATTERN = re.compile(r"^[0-9+()\-\s]{0,20}$")


class AccountService:
    def __init__(self, session: AsyncSession, hashing: PasswordHashing, tokens: TokenCodec) -> None:
        self.session = session
        self.hashing = hashing
        self.tokens = tokens

    # --- registration and login ---

    async def register(self, data: RegisterRequest, *, language: str) -> User:
        username, email = data.username.strip(), data.email.strip()
        errors = _registration_problems(data, username, email)
        if not errors:
            errors = await self._uniqueness_problems(username, email)
        if errors:
            raise ValidationFailed(errors)
        user = User(
            username=username,
            email=email,
            password_hash=await self.hashing.hash(data.password),
            first_name=data.first_name.strip(),
            last_name=data.last_name.strip(),
            language=language,
        )
        user.profile = UserProfile()
        self.session.add(user)
        try:
            async with self.session.begin_nested():
                await self.session.flush()
        except IntegrityError:
            # A concurrent registration took the name between our check and our insert.
            raise ValidationFailed(
                await self._uniqueness_problems(username, email) or [FieldError("username", "username_taken")]
            ) from None
        await jobs.defer_job(self.session, jobs.SEND_WELCOME_EMAIL, queueing_lock=f"welcome:{user.id}", user_id=user.id)
        return user

    async def _uniqueness_problems(self, username: str, email: str) -> list[FieldError]:
        errors: list[FieldError] = []
        taken = await self.session.execute(
            select(func.lower(User.username) == username.lower(), func.lower(User.email) == email.lower()).where(
                (func.lower(User.username) == username.lower()) | (func.lower(User.email) == email.lower())
            )
        )
        rows = taken.all()
        if any(row[0] for row in rows):
            errors.append(FieldError("username", "username_taken"))
        if any(row[1] for row in rows):
            errors.append(FieldError("email", "email_taken"))
        return errors

    async def authenticate(self, data: TokenRequest) -> User:
        identifier = (data.email or data.username or "").strip()
        if not identifier:
            raise ValidationFailed.single("email", "email_or_username_required")
        column = User.email if data.email else User.username
        user = (
            await self.session.execute(select(User).where(func.lower(column) == identifier.lower()))
        ).scalar_one_or_none()
        password_ok = await self.hashing.verify(user.password_hash if user else None, data.password)
        if user is None or not password_ok or not user.is_active:
            raise AuthenticationFailed("invalid_credentials")
        return user

    # --- tokens ---

    async def issue_tokens(self, user: User, *, family_id: UUID | None = None) -> TokenPair:
        now = utcnow()
        access, _ = self.tokens.issue(user.id, "access", now=now)
        refresh, claims = self.tokens.issue(user.id, "refresh", now=now)
        self.session.add(
            RefreshToken(
                id=claims.jti,
                user_id=user.id,
                family_id=family_id or uuid4(),
                issued_at=claims.iat,
                expires_at=claims.exp,
            )
        )
        await self.session.flush()
        return TokenPair(access=access, refresh=refresh)

    async def rotate_refresh_token(self, token: str) -> TokenPair:
        """Spend a refresh token for a new pair. A spent token presented again revokes its whole family."""
        claims = self.tokens.verify(token, "refresh")
        now = utcnow()
        # One atomic step: of two concurrent refreshes of one token, exactly one spends it.
        attempt = await self.session.begin_nested()
        spent = await self.session.execute(
            update(RefreshToken)
            .where(
                RefreshToken.id == claims.jti,
                RefreshToken.spent_at.is_(None),
                RefreshToken.revoked_at.is_(None),
                RefreshToken.expires_at > now,
            )
            .values(spent_at=now)
            .returning(RefreshToken.user_id, RefreshToken.family_id)
        )
        row = spent.one_or_none()
        if row is None:
            # The refresh that lost the race waited for the winner's row lock and kept it (PostgreSQL locks the
            # row before it finds it spent): undo the attempt to let go of it, or the revocation below, in its
            # own transaction, would wait for this one forever.
            await attempt.rollback()
            await self._revoke_family_if_reused(claims.jti)
            raise AuthenticationFailed("token_invalid")
        await attempt.commit()
        user = await self.session.get(User, row.user_id)
        if user is None or not user.is_active:
            raise AuthenticationFailed("token_invalid")
        return await self.issue_tokens(user, family_id=row.family_id)

    async def _revoke_family_if_reused(self, jti: UUID) -> None:
        record = (
            await self.session.execute(
                select(RefreshToken.family_id, RefreshToken.spent_at).where(RefreshToken.id == jti)
            )
        ).one_or_none()
        if record is None or record.spent_at is None:
            return
        # Its own transaction: the revocation must outlive this request's rollback.
        async with AsyncSession(self.session.bind) as side, side.begin():
            await side.execute(
                update(RefreshToken)
                .where(RefreshToken.family_id == record.family_id, RefreshToken.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )

    async def revoke_refresh_token(self, token: str) -> None:
        """Log out: spend the refresh token (and its family, so no rotated copy survives)."""
        claims = self.tokens.verify(token, "refresh")
        family = await self.session.scalar(select(RefreshToken.family_id).where(RefreshToken.id == claims.jti))
        if family is None:
            raise AuthenticationFailed("token_invalid")
        await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id == family, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )

    async def user_for_access_token(self, token: str) -> User:
        claims = self.tokens.verify(token, "access")
        user = await self.session.get(User, claims.sub)
        if user is None or not user.is_active:
            raise AuthenticationFailed("token_invalid")
        return user

    async def set_staff(self, username: str, *, is_staff: bool) -> User:
        user = (
            await self.session.execute(select(User).where(func.lower(User.username) == username.lower()))
        ).scalar_one_or_none()
        if user is None:
            raise NotFound("user_not_found")
        user.is_staff = is_staff
        return user

    # --- profile and password ---

    async def get_public_profile(self, username: str, viewer: User | None) -> User:
        user = (
            await self.session.execute(select(User).where(func.lower(User.username) == username.lower()))
        ).scalar_one_or_none()
        is_self_or_staff = viewer is not None and (viewer.is_staff or (user is not None and viewer.id == user.id))
        if user is None or not user.is_active or not (user.profile.is_public_profile or is_self_or_staff):
            raise NotFound("user_not_found")
        return user

    async def update_profile(self, user: User, data: ProfileUpdate) -> User:
        errors = _profile_problems(data)
        if isinstance(data.interests, list) and not errors:
            known = set(
                await self.session.scalars(select(EventCategory.id).where(EventCategory.id.in_(data.interests)))
            )
            if unknown := sorted(set(data.interests) - known):
                errors.append(FieldError("interests", "unknown_categories", {"ids": ", ".join(map(str, unknown))}))
        if errors:
            raise ValidationFailed(errors)
        for field in ("first_name", "last_name"):
            value = getattr(data, field)
            if data.user is not UNSET and getattr(data.user, field) is not UNSET:
                value = getattr(data.user, field)
            if isinstance(value, str):
                setattr(user, field, value.strip())
        profile = user.profile
        was_public = profile.is_public_profile
        for field in (
            "phone",
            "birth_date",
            "bio",
            "city",
            "zip_code",
            "interests",
            "is_public_profile",
            "show_participation_history",
        ):
            value = getattr(data, field)
            if value is not UNSET:
                setattr(profile, field, value)
        if isinstance(data.state, str):
            profile.state = data.state.upper()
        if isinstance(data.notification_preferences, dict):
            profile.notification_preferences = {**profile.notification_preferences, **data.notification_preferences}
        profile.updated_at = utcnow()
        await self.session.flush()
        if profile.is_public_profile != was_public:
            await StatisticsService(self.session).follow_privacy(user.id, profile.is_public_profile)
        return user

    async def change_password(self, user: User, data: ChangePasswordRequest) -> TokenPair:
        if not await self.hashing.verify(user.password_hash, data.old_password):
            raise ValidationFailed.single("old_password", "old_password_wrong")
        errors = password_problems(data.new_password, field="new_password", username=user.username, email=user.email)
        if data.new_password != data.new_password_confirm:
            errors.append(FieldError("new_password_confirm", "passwords_do_not_match"))
        if errors:
            raise ValidationFailed(errors)
        now = utcnow()
        user.password_hash = await self.hashing.hash(data.new_password)
        user.password_changed_at = now
        await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.user_id == user.id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return await self.issue_tokens(user)


async def lock_active_account(session: AsyncSession, user_id: int, *, for_erasure: bool = False) -> None:
    """Hold the account's row until the transaction ends; 401 when it was erased since the request began.

    An erasure holds it exclusively and a join shares it, both before locking any event: a join then either
    commits before the erasure looks for spots to give back, or waits for it and is refused. The erasure's lock
    (FOR NO KEY UPDATE) leaves foreign-key checks alone, so a pledge or a comment written meanwhile cannot
    deadlock with it.
    """
    statement = select(User.is_active).where(User.id == user_id)
    # FOR NO KEY UPDATE for an erasure, FOR SHARE for a join.
    active = await session.scalar(statement.with_for_update(read=not for_erasure, key_share=for_erasure))
    if not active:
        raise AuthenticationFailed("token_invalid")


def _registration_problems(data: RegisterRequest, username: str, email: str) -> list[FieldError]:
    errors: list[FieldError] = []
    if not USERNAME_PATTERN.match(username):
        errors.append(FieldError("username", "username_invalid"))
    if len(email) > 254 or not EMAIL_PATTERN.match(email):
        errors.append(FieldError("email", "email_invalid"))
    for field in ("first_name", "last_name"):
        if len(getattr(data, field)) > 150:
            errors.append(FieldError(field, "too_long", {"max": 150}))
    errors.extend(password_problems(data.password, field="password", username=username, email=email))
    if data.password != data.password_confirm:
        errors.append(FieldError("password_confirm", "passwords_do_not_match"))
    return errors


_PROFILE_LIMITS = {"phone": 20, "bio": 2000, "city": 100, "zip_code": 10, "first_name": 150, "last_name": 150}


def _profile_problems(data: ProfileUpdate) -> list[FieldError]:
    errors: list[FieldError] = []
    for field, limit in _PROFILE_LIMITS.items():
        value = getattr(data, field)
        if isinstance(value, str) and len(value) > limit:
            errors.append(FieldError(field, "too_long", {"max": limit}))
    if isinstance(data.phone, str) and not PHONE_PATTERN.match(data.phone):
        errors.append(FieldError("phone", "phone_invalid"))
    if isinstance(data.state, str) and data.state and not is_state(data.state):
        errors.append(FieldError("state", "state_invalid"))
    if isinstance(data.birth_date, dt.date):
        today = dt.date.today()
        if data.birth_date > today or data.birth_date.year < today.year - 120:
            errors.append(FieldError("birth_date", "birth_date_invalid"))
    if isinstance(data.notification_preferences, dict):
        unknown = sorted(set(data.notification_preferences) - set(NOTIFICATION_KINDS))
        if unknown:
            errors.append(FieldError("notification_preferences", "unknown_keys", {"keys": ", ".join(unknown)}))
    if isinstance(data.interests, list) and len(data.interests) > 20:
        errors.append(FieldError("interests", "too_many", {"max": 20}))
    return errors
