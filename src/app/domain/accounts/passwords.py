"""Password rules (those of the original system) and Argon2id hashing."""

from __future__ import annotations

import gzip
import re
from difflib import SequenceMatcher
from functools import lru_cache
from pathlib import Path

import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.config.settings import Settings
from app.domain.errors import FieldError

MIN_LENGTH = 8
MAX_LENGTH = 128
MAX_SIMILARITY = 0.7
# Django's list of 20,000 common passwords (BSD licence), as the original system used.
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common-passwords.txt.gz")


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines)


def password_problems(password: str, *, field: str, username: str = "", email: str = "") -> list[FieldError]:
    """Every rule the password breaks, as field errors (empty when it is acceptable)."""
    problems: list[FieldError] = []
    if len(password) < MIN_LENGTH:
        problems.append(FieldError(field, "password_too_short", {"min": MIN_LENGTH}))
    if len(password) > MAX_LENGTH:
        problems.append(FieldError(field, "password_too_long", {"max": MAX_LENGTH}))
    if password.isdigit():
        problems.append(FieldError(field, "password_entirely_numeric"))
    if _too_similar(password, username, email):
        problems.append(FieldError(field, "password_too_similar"))
    if password.lower().strip() in _common_passwords():
        problems.append(FieldError(field, "password_too_common"))
    return problems


def _too_similar(password: str, *attributes: str) -> bool:
    lowered = password.lower()
    for attribute in attributes:
        if not attribute:
            continue
        # Compare with the whole value, an email's local part and every word ("maria.silva@x.org" → maria, silva …).
        lowered_attribute = attribute.lower()
        for part in {lowered_attribute, lowered_attribute.split("@")[0], *re.split(r"\W+", lowered_attribute)}:
            if len(part) >= 3 and SequenceMatcher(a=lowered, b=part).quick_ratio() >= MAX_SIMILARITY:
                return True
    return False


class PasswordHashing:
    """Argon2id, run off the event loop (hashing is deliberately slow)."""

    def __init__(self, *, time_cost: int, memory_kib: int) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)
        # Verified against when the user does not exist, so both paths take the same time.
        self._dummy_hash = self._hasher.hash("not-a-real-password")

    @classmethod
    def from_settings(cls, settings: Settings) -> PasswordHashing:
        return cls(time_cost=settings.password_hash_time_cost, memory_kib=settings.password_hash_memory_kib)

    async def hash(self, password: str) -> str:
        return await anyio.to_thread.run_sync(self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        matches = await anyio.to_thread.run_sync(self._verify_sync, password_hash or self._dummy_hash, password)
        return matches and password_hash is not None

    def _verify_sync(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
