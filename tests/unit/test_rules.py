"""Pure rules: passwords, tokens, local time."""

from __future__ import annotations

import datetime as dt

import pytest

from app.domain.accounts.passwords import password_problems
from app.domain.accounts.tokens import TokenCodec
from app.domain.errors import AuthenticationFailed
from app.domain.time import localize

CODEC = TokenCodec(
    secret="s" * 64, algorithm="HS256", access_lifetime=dt.timedelta(minutes=60), refresh_lifetime=dt.timedelta(days=7)
)


def test_an_acceptable_password_has_no_problem() -> None:
    assert password_problems("Reflorestar-2026!", field="password", username="maria", email="maria@example.org") == []


def test_similarity_is_checked_against_the_parts_of_the_email() -> None:
    codes = {p.code for p in password_problems("silvamaria", field="password", email="maria.silva@example.org")}
    assert "password_too_similar" in codes


def test_common_passwords_are_refused_whatever_their_case() -> None:
    assert "password_too_common" in {p.code for p in password_problems("Qwerty123", field="password")}


def test_a_token_round_trips_and_its_type_is_pinned() -> None:
    user = 42
    token, claims = CODEC.issue(user, "access", now=dt.datetime.now(dt.UTC))
    assert CODEC.verify(token, "access").sub == user
    assert claims.exp - claims.iat == dt.timedelta(minutes=60)
    with pytest.raises(AuthenticationFailed) as caught:
        CODEC.verify(token, "refresh")
    assert caught.value.code == "token_wrong_type"


def test_an_expired_token_says_so() -> None:
    token, _ = CODEC.issue(42, "access", now=dt.datetime.now(dt.UTC) - dt.timedelta(hours=2))
    with pytest.raises(AuthenticationFailed) as caught:
        CODEC.verify(token, "access")
    assert caught.value.code == "token_expired"


def test_a_naive_timestamp_is_local_time_in_the_given_zone() -> None:
    local = localize(dt.datetime(2026, 12, 13, 9, 0), "America/Sao_Paulo")
    assert local.utcoffset() == dt.timedelta(hours=-3)
    assert local.astimezone(dt.UTC).hour == 12
    manaus = localize(dt.datetime(2026, 12, 13, 9, 0), "America/Manaus")
    assert manaus.astimezone(dt.UTC).hour == 13


def test_a_timestamp_with_an_offset_is_kept() -> None:
    aware = dt.datetime(2026, 12, 13, 9, 0, tzinfo=dt.UTC)
    assert localize(aware, "America/Sao_Paulo") is aware


def test_a_remembered_count_is_reused_until_it_expires() -> None:
    import asyncio

    from app.domain.events.queries import CountMemo

    calls = []

    async def count() -> tuple[int, int]:
        calls.append(1)
        return (len(calls), 0)

    async def scenario() -> None:
        memo = CountMemo(ttl=0.2)
        assert await memo.get(("q", 1), count) == (1, 0)
        assert await memo.get(("q", 1), count) == (1, 0)
        assert await memo.get(("q", 2), count) == (2, 0)
        await asyncio.sleep(0.25)
        assert await memo.get(("q", 1), count) == (3, 0)
        assert (await CountMemo(ttl=0).get(("q", 1), count)) == (4, 0)

    asyncio.run(scenario())
