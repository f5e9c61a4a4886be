"""Organizations on the wire."""

from __future__ import annotations

import msgspec


class FollowState(msgspec.Struct, kw_only=True):
    """Whether the caller follows the organization (new events of it reach them by email), and how many do."""

    organization: int
    following: bool
    followers_count: int
