"""Redis through Sentinel (REDIS_SENTINELS): when the master dies, Sentinel promotes its replica and the app's
client follows it without a restart; the breaker and the fallbacks stay as they are with one server."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest

from app.config.redis import SharedRedis
from app.config.settings import Settings, load_settings
from tests.support.redis import RedisNotStarted, RedisSentinel, RedisServer, redis_binary
from tests.support.server import free_port

FAILOVER_TIMEOUT_SECONDS = 30.0


class Cluster:
    def __init__(self, master: RedisServer, replica: RedisServer, sentinel: RedisSentinel) -> None:
        self.master, self.replica, self.sentinel = master, replica, sentinel


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    binary = redis_binary()
    if binary is None:
        pytest.skip("redis-server is not installed (Debian/Ubuntu: apt-get install redis-server)")
    master = RedisServer(binary, free_port())
    replica_port = free_port()
    replica = RedisServer(binary, replica_port, "--replicaof", "127.0.0.1", str(master.port))
    sentinel = RedisSentinel(binary, free_port(), master, tmp_path)
    started: list[RedisServer | RedisSentinel] = []
    try:
        for process in (master, replica, sentinel):
            process.start()
            started.append(process)
    except RedisNotStarted as exc:
        for process in started:
            process.stop()
        pytest.skip(f"no Redis with Sentinel could be started on this machine ({exc})")
    try:
        _wait(lambda: replica.client().info("replication")["master_link_status"] == "up", "the replica to sync")
        yield Cluster(master, replica, sentinel)
    finally:
        for process in (sentinel, replica, master):
            process.stop()


def _wait(condition: object, what: str) -> None:
    deadline = time.monotonic() + FAILOVER_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        try:
            if condition():  # type: ignore[operator]
                return
        except Exception:  # noqa: S110 - not yet: a server is starting or switching roles
            pass
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_the_settings_read_the_sentinels_and_refuse_a_bad_list() -> None:
    settings = load_settings({"REDIS_SENTINELS": "10.0.0.1:26379, sentinel-b:26380", "REDIS_SENTINEL_MASTER": "m"})
    assert settings.redis_sentinels == (("10.0.0.1", 26379), ("sentinel-b", 26380))
    assert settings.redis_sentinel_master == "m"
    for bad in ("10.0.0.1", "host:port", "host:70000", "a:1,,b:2"):
        with pytest.raises(Exception, match="REDIS_SENTINELS"):
            load_settings({"REDIS_SENTINELS": bad})


@pytest.mark.anyio
async def test_the_client_follows_a_failover_without_a_restart(cluster: Cluster, settings: Settings) -> None:
    shared = SharedRedis(
        msgspec.structs.replace(
            settings,
            redis_url=None,
            redis_sentinels=(("127.0.0.1", cluster.sentinel.port),),
            redis_sentinel_master=cluster.sentinel.name,
            redis_timeout_seconds=1.0,
            redis_breaker_reset_seconds=1.0,  # the failover opens it, as a dead server does; then a trial closes it
        )
    )
    await shared.open()
    try:
        assert shared.configured and await shared.status() == ("up", None)
        await shared.run(lambda client: client.set("before", "1"))
        assert cluster.sentinel.master_port() == cluster.master.port

        cluster.master.kill()
        _wait(lambda: cluster.sentinel.master_port() == cluster.replica.port, "Sentinel to promote the replica")

        async def write_after() -> bool:
            try:
                return bool(await shared.run(lambda client: client.set("after", "2")))
            except Exception:
                return False

        deadline = time.monotonic() + FAILOVER_TIMEOUT_SECONDS
        while not await write_after():
            assert time.monotonic() < deadline, "the client never reached the new master"
        assert await shared.run(lambda client: client.get("before")) == b"1"  # replicated before the failover
        assert cluster.replica.client().get("after") == b"2"  # written on the promoted replica
        assert shared.breaker_state() == "closed"
    finally:
        await shared.aclose()
