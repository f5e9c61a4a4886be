"""The Compose topology on one machine, without Docker, from Debian's packages (deploy/local/README.md).

nginx → 3 API processes → PostgreSQL primary + streaming replica, Redis master + replica + 3 Sentinels,
2 Procrastinate workers: every piece on a loopback port, every file under one folder, every process
known by its PID. `cluster.json` in that folder names each piece with its port, PID, log and the exact
command and environment that start it, so a fault test can kill one piece and start it again.

Standard library only; run with the project's interpreter (.venv/bin/python), which also has the API.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NGINX_SHARED = ROOT / "deploy" / "nginx"
VENV_BIN = Path(sys.prefix) / "bin"
PG_BIN = Path(os.environ.get("MUTIROES_PG_BIN", "/usr/lib/postgresql/15/bin"))
DEFAULT_DIR = ROOT / ".local-cluster"
DEFAULT_BASE_PORT = 18400
STATE_FILE = "cluster.json"
SENTINEL_MASTER = "mymaster"
REPLICATION_SLOT = "replica1"

# Port = base port + offset. Workers listen on nothing.
OFFSETS = {
    "nginx": 0,
    "api1": 1,
    "api2": 2,
    "api3": 3,
    "pg-primary": 10,
    "pg-replica": 11,
    "redis-master": 20,
    "redis-replica": 21,
    "sentinel1": 30,
    "sentinel2": 31,
    "sentinel3": 32,
}
APIS = ("api1", "api2", "api3")
WORKERS = ("worker1", "worker2")
SENTINELS = ("sentinel1", "sentinel2", "sentinel3")
# Start order; `down` stops in the reverse one.
ORDER = (
    "pg-primary",
    "pg-replica",
    "redis-master",
    "redis-replica",
    *SENTINELS,
    *WORKERS,
    *APIS,
    "nginx",
)
# What a restarted piece gets from the caller's environment besides the recorded variables.
BASE_ENVIRONMENT = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR")
# App settings that the stack itself decides; any other app setting in the caller's environment at `up`
# (RATE_LIMIT_API_PER_SECOND, CACHE_TTL_SECONDS, ...) is passed on, and recorded.
STACK_SETTINGS = {
    "APP_ENV",
    "DATABASE_URL",
    "DATABASE_READ_URL",
    "REDIS_URL",
    "REDIS_SENTINELS",
    "REDIS_SENTINEL_MASTER",
    "TRUSTED_PROXIES",
    "PUBLIC_URL",
    "DATA_DIR",
    "OUTBOX_DIR",
    "MEDIA_DIR",
    "JWT_SECRET",
    "HOST",
    "PORT",
    "RUN_WORKER_IN_PROCESS",
}


class ClusterError(Exception):
    """Something did not start or stop; the message says which piece and where its log is."""


@dataclass
class Piece:
    name: str
    kind: str  # postgres, redis, sentinel, api, worker, nginx
    port: int | None
    argv: list[str]  # starts the piece
    env: dict[str, str]  # on top of BASE_ENVIRONMENT
    log: str
    # Foreground pieces are started detached in a session of their own and their PID is the child's;
    # postgres is started by `pg_ctl start` (which returns once it accepts connections) and its PID
    # read from postmaster.pid.
    foreground: bool = True
    pidfile: str = ""
    stop_argv: list[str] = field(default_factory=list)  # postgres: pg_ctl stop
    pid: int | None = None


@dataclass
class Cluster:
    folder: Path
    base_port: int
    pieces: dict[str, Piece]
    env: dict[str, str]  # what every API process and worker gets

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.base_port}"

    @property
    def state_path(self) -> Path:
        return self.folder / STATE_FILE

    def save(self) -> None:
        document = {
            "folder": str(self.folder),
            "base_port": self.base_port,
            "url": self.url,
            "env": self.env,
            "pieces": {name: asdict(piece) for name, piece in self.pieces.items()},
        }
        temporary = self.state_path.with_suffix(".tmp")
        temporary.write_text(json.dumps(document, indent=2) + "\n")
        temporary.replace(self.state_path)

    @classmethod
    def load(cls, folder: Path) -> Cluster:
        document = json.loads((folder / STATE_FILE).read_text())
        pieces = {name: Piece(**raw) for name, raw in document["pieces"].items()}
        return cls(folder=Path(document["folder"]), base_port=document["base_port"], pieces=pieces, env=document["env"])


# --- processes -----------------------------------------------------------------------------------------


def is_alive(pid: int | None) -> bool:
    """Running, and not a zombie waiting for its parent."""
    if not pid:
        return False
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reap it if it is our own child
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def _signal_group(pid: int, sig: signal.Signals) -> None:
    """The piece's whole session (nginx's workers with their master); the process alone if it has none."""
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)
    except ProcessLookupError:
        pass


def _wait_until(check: Callable[[], bool], timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)


def _environment(piece: Piece) -> dict[str, str]:
    env = {name: os.environ[name] for name in BASE_ENVIRONMENT if name in os.environ}
    return {**env, **piece.env}


def _read_pid(pidfile: str) -> int | None:
    try:
        return int(Path(pidfile).read_text().split()[0])
    except (FileNotFoundError, ValueError, IndexError):
        return None


def _log_tail(piece: Piece, lines: int = 15) -> str:
    try:
        text = Path(piece.log).read_text(errors="replace").splitlines()
    except FileNotFoundError:
        return "(no log)"
    return "\n".join(text[-lines:])


def start_piece(cluster: Cluster, name: str, *, wait: bool = True, timeout: float = 60.0) -> Piece:
    piece = cluster.pieces[name]
    if is_alive(piece.pid):
        raise ClusterError(f"{name} is already running (pid {piece.pid})")
    before = _worker_rows(cluster) if piece.kind == "worker" and wait else 0
    with open(piece.log, "ab") as log:
        if piece.foreground:
            process = subprocess.Popen(
                piece.argv,
                env=_environment(piece),
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own session: signalled as a group, untouched by Ctrl-C here
            )
            piece.pid = process.pid
            Path(piece.pidfile).write_text(f"{process.pid}\n")
        else:
            result = subprocess.run(piece.argv, env=_environment(piece), stdin=subprocess.DEVNULL, check=False)
            if result.returncode != 0:
                raise ClusterError(f"{name} did not start; its log {piece.log} ends with:\n{_log_tail(piece)}")
            piece.pid = _read_pid(piece.pidfile)
    cluster.save()
    if wait:
        wait_ready(cluster, name, timeout=timeout, workers_before=before)
    return piece


def start_pieces(cluster: Cluster, names: list[str], *, wait: bool = True, timeout: float = 90.0) -> None:
    """Start several pieces at once, then wait for each (three APIs start in the time of one)."""
    workers_before = _worker_rows(cluster)
    for name in names:
        start_piece(cluster, name, wait=False)
    if wait:
        started_workers = 0
        for name in names:
            if cluster.pieces[name].kind == "worker":
                started_workers += 1
            wait_ready(cluster, name, timeout=timeout, workers_before=workers_before + started_workers - 1)


def stop_piece(cluster: Cluster, name: str, *, timeout: float = 15.0) -> None:
    """TERM (pg_ctl stop for PostgreSQL), then KILL after `timeout`; returns once the process is gone."""
    piece = cluster.pieces[name]
    pid = piece.pid
    if piece.stop_argv and is_alive(pid):
        subprocess.run(
            [*piece.stop_argv, "-t", str(int(timeout))],
            env=_environment(piece),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
    elif is_alive(pid):
        assert pid is not None
        _signal_group(pid, signal.SIGTERM)
    if pid and not _wait_until(lambda: not is_alive(pid), timeout):
        _signal_group(pid, signal.SIGKILL)
        if not _wait_until(lambda: not is_alive(pid), 5):
            raise ClusterError(f"{name} (pid {pid}) survived SIGKILL")
    piece.pid = None
    cluster.save()


def kill_piece(cluster: Cluster, name: str, sig: signal.Signals = signal.SIGKILL) -> None:
    """Send `sig` to the piece's process group, as a crash would; SIGKILL waits until it is gone."""
    piece = cluster.pieces[name]
    if not is_alive(piece.pid):
        raise ClusterError(f"{name} is not running")
    assert piece.pid is not None
    pid = piece.pid
    _signal_group(pid, sig)
    if sig == signal.SIGKILL:
        # Gone from the process table, not only dead: PostgreSQL refuses to start while the PID in its
        # postmaster.pid still names a process, even a zombie that init has not reaped yet.
        _wait_until(lambda: not Path(f"/proc/{pid}").exists(), 10)
        if piece.kind == "postgres":
            # Its backends notice the postmaster's death and leave; a new one refuses while they hold memory.
            _wait_until(lambda: not _postgres_children(pid), 10)


def _postgres_children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.append(int(entry.name))
    return found


# --- readiness -----------------------------------------------------------------------------------------


def _http_status(url: str, timeout: float = 2.0) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:  # noqa: S310 (loopback http only)
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return None


def _quiet(argv: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False)


def psql(cluster: Cluster, name: str, sql: str, database: str = "postgres") -> str:
    """One value (or rows, `|`-separated) from a query on pg-primary or pg-replica, as the superuser."""
    port = cluster.pieces[name].port
    result = _quiet(
        [
            str(PG_BIN / "psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-U",
            "postgres",
            "-d",
            database,
            "-X",
            "-tA",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            sql,
        ]
    )
    if result.returncode != 0:
        raise ClusterError(f"psql on {name}: {result.stderr.strip()}")
    return result.stdout.strip()


def redis_cli(port: int, *command: str) -> str:
    result = _quiet(["redis-cli", "-h", "127.0.0.1", "-p", str(port), *command])
    return result.stdout.strip() if result.returncode == 0 else ""


def sentinel_master(cluster: Cluster, sentinel: str = "sentinel1") -> dict[str, str]:
    """SENTINEL MASTER as a dict (ip, port, flags, num-slaves, num-other-sentinels, ...); {} if unknown."""
    port = cluster.pieces[sentinel].port
    assert port is not None
    words = redis_cli(port, "sentinel", "master", SENTINEL_MASTER).splitlines()
    return dict(zip(words[::2], words[1::2], strict=False))


def _worker_rows(cluster: Cluster) -> int:
    """The highest id in procrastinate_workers: a new worker registers itself with a higher one."""
    try:
        return int(psql(cluster, "pg-primary", "SELECT coalesce(max(id), 0) FROM procrastinate_workers", "mutiroes"))
    except (ClusterError, ValueError):
        return 0


def _postgres_ready(cluster: Cluster, piece: Piece, workers_before: int) -> bool:
    pg_isready = [str(PG_BIN / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(piece.port), "-U", "postgres"]
    return _quiet(pg_isready).returncode == 0


def _redis_ready(cluster: Cluster, piece: Piece, workers_before: int) -> bool:
    assert piece.port is not None
    if redis_cli(piece.port, "ping") != "PONG":
        return False
    role = redis_cli(piece.port, "info", "replication")
    return "role:master" in role or "master_link_status:up" in role


def _sentinel_ready(cluster: Cluster, piece: Piece, workers_before: int) -> bool:
    master = sentinel_master(cluster, piece.name)
    # It knows the master, its replica and the two other Sentinels: it can vote in a failover.
    return (
        bool(master.get("ip"))
        and int(master.get("num-slaves", "0")) >= 1
        and int(master.get("num-other-sentinels", "0")) >= len(SENTINELS) - 1
    )


def _api_ready(cluster: Cluster, piece: Piece, workers_before: int) -> bool:
    return _http_status(f"http://127.0.0.1:{piece.port}/readiness/") == 200


def _worker_ready(cluster: Cluster, piece: Piece, workers_before: int) -> bool:
    return _worker_rows(cluster) > workers_before


def _nginx_ready(cluster: Cluster, piece: Piece, workers_before: int) -> bool:
    return _http_status(f"{cluster.url}/readiness/") == 200


READY: dict[str, Callable[[Cluster, Piece, int], bool]] = {
    "postgres": _postgres_ready,
    "redis": _redis_ready,
    "sentinel": _sentinel_ready,
    "api": _api_ready,
    "worker": _worker_ready,
    "nginx": _nginx_ready,
}


def wait_ready(cluster: Cluster, name: str, *, timeout: float = 60.0, workers_before: int = 0) -> None:
    piece = cluster.pieces[name]

    def ready_or_dead() -> bool:
        return not is_alive(piece.pid) or READY[piece.kind](cluster, piece, workers_before)

    if not _wait_until(ready_or_dead, timeout, interval=0.2) or not is_alive(piece.pid):
        state = "exited" if not is_alive(piece.pid) else f"not ready after {timeout:.0f} s"
        raise ClusterError(f"{name} {state}; its log {piece.log} ends with:\n{_log_tail(piece)}")


# --- the topology --------------------------------------------------------------------------------------


def _as_postgres(argv: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its programs as the `postgres` user then."""
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


def _give_to_postgres(*paths: Path) -> None:
    if os.geteuid() == 0:
        for path in paths:
            shutil.chown(path, "postgres", "postgres")


def plan(folder: Path, base_port: int) -> Cluster:
    """Every piece with its port, command, environment and files; nothing is started."""
    port = {name: base_port + offset for name, offset in OFFSETS.items()}
    logs, run = folder / "logs", folder / "run"
    jwt_secret_file = folder / "jwt_secret"
    if not jwt_secret_file.exists():
        jwt_secret_file.write_text(secrets.token_urlsafe(48))
        jwt_secret_file.chmod(0o600)
    passed_on = _app_settings_from_caller()
    env = {
        **passed_on,
        "APP_ENV": "production",
        "DATABASE_URL": f"postgresql://mutiroes@127.0.0.1:{port['pg-primary']}/mutiroes",
        "DATABASE_READ_URL": f"postgresql://mutiroes@127.0.0.1:{port['pg-replica']}/mutiroes",
        "REDIS_SENTINELS": ",".join(f"127.0.0.1:{port[name]}" for name in SENTINELS),
        "REDIS_SENTINEL_MASTER": SENTINEL_MASTER,
        "TRUSTED_PROXIES": "127.0.0.1/32",  # nginx
        "PUBLIC_URL": f"http://127.0.0.1:{base_port}",
        "DATA_DIR": str(folder / "data"),  # outbox/ and media/ (nginx serves media/ from here)
        "JWT_SECRET": jwt_secret_file.read_text().strip(),
        "PYTHONUNBUFFERED": "1",
    }
    pieces: dict[str, Piece] = {}
    for name in ("pg-primary", "pg-replica"):
        data = folder / "postgres" / name
        pieces[name] = Piece(
            name=name,
            kind="postgres",
            port=port[name],
            argv=_as_postgres(
                [
                    str(PG_BIN / "pg_ctl"),
                    "start",
                    "-D",
                    str(data),
                    "-l",
                    str(logs / f"{name}.log"),
                    "-w",
                    "-t",
                    "60",
                    "-s",
                ]
            ),
            env={},
            log=str(logs / f"{name}.log"),
            foreground=False,
            pidfile=str(data / "postmaster.pid"),
            stop_argv=_as_postgres([str(PG_BIN / "pg_ctl"), "stop", "-D", str(data), "-m", "fast", "-w", "-s"]),
        )
    for name in ("redis-master", "redis-replica"):
        argv = [
            "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(port[name]),
            "--daemonize",
            "no",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder / "redis" / name),
            "--maxmemory",
            "256mb",
            "--maxmemory-policy",
            "allkeys-lru",
        ]
        if name == "redis-replica":
            argv += ["--replicaof", "127.0.0.1", str(port["redis-master"])]
        pieces[name] = _foreground(name, "redis", port[name], argv, {}, logs, run)
    for name in SENTINELS:
        conf = folder / "redis" / name / "sentinel.conf"
        pieces[name] = _foreground(name, "sentinel", port[name], ["redis-sentinel", str(conf)], {}, logs, run)
    for name in APIS:
        argv = [
            str(VENV_BIN / "uvicorn"),
            "app.api.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port[name]),
            "--no-proxy-headers",
            "--timeout-keep-alive",
            "75",
            "--no-access-log",
        ]
        pieces[name] = _foreground(name, "api", port[name], argv, env, logs, run)
    for name in WORKERS:
        argv = [str(VENV_BIN / "procrastinate"), "--app=app.tasks.queue.app", "worker", f"--name={name}"]
        pieces[name] = _foreground(name, "worker", None, argv, env, logs, run)
    nginx_folder = folder / "nginx"
    argv = [
        shutil.which("nginx") or "/usr/sbin/nginx",
        "-p",
        f"{nginx_folder}/",
        "-c",
        str(nginx_folder / "nginx.conf"),
    ]
    pieces["nginx"] = _foreground("nginx", "nginx", port["nginx"], argv, {}, logs, run)
    return Cluster(folder=folder, base_port=base_port, pieces=pieces, env=env)


def _foreground(
    name: str, kind: str, port: int | None, argv: list[str], env: dict[str, str], logs: Path, run: Path
) -> Piece:
    return Piece(
        name=name,
        kind=kind,
        port=port,
        argv=argv,
        env=env,
        log=str(logs / f"{name}.log"),
        pidfile=str(run / f"{name}.pid"),
    )


def _app_settings_from_caller() -> dict[str, str]:
    try:
        from app.config.settings import ENVIRONMENT
    except ImportError:  # not the project's interpreter: pass nothing on
        return {}
    return {name: os.environ[name] for name in ENVIRONMENT if name in os.environ and name not in STACK_SETTINGS}


def render_nginx(folder: Path, base_port: int, api_ports: Iterable[int], media_root: Path) -> Path:
    """The local main file beside links to the shared gateway (deploy/nginx/); returns the main file."""
    nginx = folder / "nginx"
    for sub in ("tmp", "logs"):
        (nginx / sub).mkdir(parents=True, exist_ok=True)
    for shared in ("mutiroes.conf", "mutiroes-internal.conf"):
        link = nginx / shared
        link.unlink(missing_ok=True)
        link.symlink_to(NGINX_SHARED / shared)
    (nginx / "mutiroes-upstreams.conf").write_text(
        "".join(f"server 127.0.0.1:{port} max_fails=3 fail_timeout=10s;\n" for port in api_ports)
    )
    (nginx / "mutiroes-site.conf").write_text(f"listen 127.0.0.1:{base_port};\nroot {media_root};\n")
    temp = nginx / "tmp"
    main = nginx / "nginx.conf"
    main.write_text(
        f"""# Written by deploy/local/cluster.py: the local stack's nginx around deploy/nginx/mutiroes.conf.
daemon off;
worker_processes 2;
pid {nginx / "nginx.pid"};
error_log stderr warn;

events {{
    worker_connections 1024;
}}

http {{
    types {{
        image/jpeg jpg jpeg;
        image/png png;
        image/webp webp;
        application/json json;
    }}
    default_type application/octet-stream;
    sendfile on;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;

    include mutiroes.conf;
}}
"""
    )
    return main


def _write_sentinel_conf(cluster: Cluster, name: str) -> None:
    master_port = cluster.pieces["redis-master"].port
    down_after = int(os.environ.get("MUTIROES_LOCAL_SENTINEL_DOWN_AFTER_MS", "5000"))
    failover_timeout = int(os.environ.get("MUTIROES_LOCAL_SENTINEL_FAILOVER_TIMEOUT_MS", "30000"))
    # Sentinel rewrites this file (the master it follows, the Sentinels and replicas it found).
    Path(cluster.pieces[name].argv[-1]).write_text(
        f"""port {cluster.pieces[name].port}
bind 127.0.0.1
daemonize no
dir {Path(cluster.pieces[name].argv[-1]).parent}
sentinel monitor {SENTINEL_MASTER} 127.0.0.1 {master_port} 2
sentinel down-after-milliseconds {SENTINEL_MASTER} {down_after}
sentinel failover-timeout {SENTINEL_MASTER} {failover_timeout}
sentinel parallel-syncs {SENTINEL_MASTER} 1
"""
    )


def _init_primary(cluster: Cluster) -> None:
    piece = cluster.pieces["pg-primary"]
    data = Path(piece.pidfile).parent
    result = _quiet(
        _as_postgres(
            [
                str(PG_BIN / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
            ]
        )
    )
    if result.returncode != 0:
        raise ClusterError(f"initdb failed: {result.stderr.strip()}")
    with (data / "postgresql.conf").open("a") as conf:
        conf.write(
            f"""
# deploy/local/cluster.py
listen_addresses = '127.0.0.1'
port = {piece.port}
unix_socket_directories = ''
max_connections = 200
wal_level = replica
max_wal_senders = 5
max_replication_slots = 5
max_slot_wal_keep_size = 1GB
hot_standby = on
"""
        )
    # Loopback only, no passwords: a stack for one machine. The replica connects as `replicator`.
    (data / "pg_hba.conf").write_text(
        "host all all 127.0.0.1/32 trust\nhost replication replicator 127.0.0.1/32 trust\n"
    )


def _make_database(cluster: Cluster) -> None:
    psql(cluster, "pg-primary", "CREATE ROLE replicator WITH REPLICATION LOGIN")
    psql(cluster, "pg-primary", "CREATE ROLE mutiroes WITH LOGIN")
    psql(cluster, "pg-primary", "CREATE DATABASE mutiroes OWNER mutiroes")


def _migrate(cluster: Cluster) -> None:
    log = cluster.folder / "logs" / "migrate.log"
    env = {name: os.environ[name] for name in BASE_ENVIRONMENT if name in os.environ} | cluster.env
    with log.open("ab") as out:
        result = subprocess.run(
            [str(VENV_BIN / "app"), "database", "upgrade", "--no-prompt"],
            env=env,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if result.returncode != 0:
        raise ClusterError(f"the migration failed; see {log}")


def _make_replica(cluster: Cluster) -> None:
    primary, replica = cluster.pieces["pg-primary"], cluster.pieces["pg-replica"]
    data = Path(replica.pidfile).parent
    result = _quiet(
        _as_postgres(
            [
                str(PG_BIN / "pg_basebackup"),
                "-h",
                "127.0.0.1",
                "-p",
                str(primary.port),
                "-U",
                "replicator",
                "-D",
                str(data),
                "-R",
                "-X",
                "stream",
                "-C",
                "-S",
                REPLICATION_SLOT,
                "--checkpoint=fast",
                "--no-sync",
            ]
        )
    )
    if result.returncode != 0:
        raise ClusterError(f"pg_basebackup failed: {result.stderr.strip()}")
    with (data / "postgresql.conf").open("a") as conf:
        conf.write(f"port = {replica.port}\n")


def up(folder: Path, base_port: int, *, out: Callable[[str], None] = print) -> Cluster:
    if (folder / STATE_FILE).exists():
        running = [name for name, piece in Cluster.load(folder).pieces.items() if is_alive(piece.pid)]
        if running:
            raise ClusterError(f"already up in {folder} ({', '.join(running)} running): run deploy/local/down first")
        shutil.rmtree(folder)  # what a stopped stack left: start afresh
    elif folder.exists() and any(folder.iterdir()):
        raise ClusterError(f"{folder} is not empty and holds no {STATE_FILE}: choose another folder")
    started = time.monotonic()
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)  # postgres and nginx's workers (other users) go through it
    for sub in ("logs", "run", "postgres", "data/media", "data/outbox", *(f"redis/{name}" for name in OFFSETS)):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    cluster = plan(folder, base_port)
    _check_ports_free(cluster)
    for name in ("pg-primary", "pg-replica"):
        Path(cluster.pieces[name].log).touch()
    _give_to_postgres(folder / "postgres", folder / "logs" / "pg-primary.log", folder / "logs" / "pg-replica.log")
    cluster.save()

    def step(message: str) -> None:
        out(f"[{time.monotonic() - started:5.1f}s] {message}")

    try:
        step("PostgreSQL primary")
        _init_primary(cluster)
        start_piece(cluster, "pg-primary")
        _make_database(cluster)
        step("migrations")
        _migrate(cluster)
        step("PostgreSQL streaming replica (pg_basebackup -R)")
        _make_replica(cluster)
        start_piece(cluster, "pg-replica")
        step("Redis master, replica and 3 Sentinels")
        start_piece(cluster, "redis-master")
        start_piece(cluster, "redis-replica")
        for name in SENTINELS:
            _write_sentinel_conf(cluster, name)
            start_piece(cluster, name, wait=False)
        for name in SENTINELS:
            wait_ready(cluster, name, timeout=30)
        step("2 workers and 3 API processes")
        start_pieces(cluster, [*WORKERS, *APIS])
        step("nginx")
        api_ports = [port for name in APIS if (port := cluster.pieces[name].port) is not None]
        render_nginx(folder, base_port, api_ports, folder / "data")
        start_piece(cluster, "nginx")
    except BaseException:
        down(cluster)
        raise
    step(f"up: {cluster.url}")
    return cluster


def _check_ports_free(cluster: Cluster) -> None:
    import socket

    taken = []
    for piece in cluster.pieces.values():
        if piece.port is None:
            continue
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", piece.port))
            except OSError:
                taken.append(f"{piece.name}:{piece.port}")
    if taken:
        raise ClusterError(f"ports in use: {', '.join(taken)} (choose another --base-port)")


def down(cluster: Cluster, *, timeout: float = 15.0) -> list[str]:
    """Stop every piece, newest first; returns the names that were running."""
    stopped = []
    for name in reversed(ORDER):
        if is_alive(cluster.pieces[name].pid):
            stopped.append(name)
        stop_piece(cluster, name, timeout=timeout)
    return stopped


def status_lines(cluster: Cluster) -> list[str]:
    lines = [f"{'piece':<14} {'kind':<9} {'port':>6} {'pid':>8}  state"]
    for name in ORDER:
        piece = cluster.pieces[name]
        state = "running" if is_alive(piece.pid) else "stopped"
        port = piece.port or "-"
        lines.append(f"{name:<14} {piece.kind:<9} {port:>6} {piece.pid or '-':>8}  {state}")
    return lines


# --- command line --------------------------------------------------------------------------------------


def _folder(raw: str | None) -> Path:
    return Path(raw or os.environ.get("MUTIROES_LOCAL_DIR") or DEFAULT_DIR).resolve()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="deploy/local/cluster.py", description=__doc__.splitlines()[0])
    parser.add_argument("--dir", help="the stack's folder (default $MUTIROES_LOCAL_DIR or .local-cluster/)")
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser("up", help="start the whole stack and wait until nginx answers /readiness/")
    start.add_argument(
        "--base-port", type=int, default=int(os.environ.get("MUTIROES_LOCAL_BASE_PORT", DEFAULT_BASE_PORT))
    )
    commands.add_parser("down", help="stop every piece by PID (PostgreSQL with pg_ctl stop)")
    status = commands.add_parser("status", help="each piece's port, PID and state; exit 1 if one is stopped")
    status.add_argument("--json", action="store_true", help="print cluster.json")
    for verb, text in (
        ("start", "start stopped pieces again, with their recorded command and environment"),
        ("stop", "stop pieces (TERM, then KILL after a timeout)"),
        ("restart", "stop, then start pieces"),
        ("kill", "signal pieces' process groups (default SIGKILL), as a crash would"),
    ):
        sub = commands.add_parser(verb, help=text)
        sub.add_argument("pieces", nargs="+", choices=ORDER, metavar="PIECE")
        if verb == "kill":
            sub.add_argument("--signal", default="KILL", help="KILL, TERM, STOP, CONT, ...")
        if verb in {"start", "restart"}:
            sub.add_argument("--no-wait", action="store_true", help="do not wait until the piece is ready")
    args = parser.parse_args(argv)
    folder = _folder(args.dir)
    try:
        if args.command == "up":
            cluster = up(folder, args.base_port)
            print(f"\nMutirões API: {cluster.url}  (state: {cluster.state_path})")
            print("\n".join(status_lines(cluster)))
            return 0
        if not (folder / STATE_FILE).exists():
            print(f"no stack in {folder}", file=sys.stderr)
            return 0 if args.command == "down" else 1
        return _run_on(Cluster.load(folder), args)
    except ClusterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _run_on(cluster: Cluster, args: argparse.Namespace) -> int:
    if args.command == "down":
        stopped = down(cluster)
        print(f"stopped: {', '.join(stopped) or 'nothing was running'}")
        return 0
    if args.command == "status":
        if args.json:
            print(cluster.state_path.read_text(), end="")
        else:
            print("\n".join(status_lines(cluster)))
        return 0 if all(is_alive(piece.pid) for piece in cluster.pieces.values()) else 1
    if args.command == "kill":
        for name in args.pieces:
            kill_piece(cluster, name, signal.Signals[f"SIG{args.signal.upper().removeprefix('SIG')}"])
        return 0
    if args.command in {"stop", "restart"}:
        for name in args.pieces:
            stop_piece(cluster, name)
    if args.command in {"start", "restart"}:
        start_pieces(cluster, args.pieces, wait=not args.no_wait)
    return 0


if __name__ == "__main__":
    sys.exit(main())
