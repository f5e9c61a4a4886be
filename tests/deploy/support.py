"""Paths of the deployment files and the local stack's module, loaded from deploy/local/cluster.py."""

from __future__ import annotations

import importlib.util
import random
import shutil
import socket
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
NGINX_SHARED = DEPLOY / "nginx"
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def load_cluster_module() -> ModuleType:
    """deploy/local/cluster.py is a script, not a package: load it by path (once)."""
    name = "mutiroes_local_cluster"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, DEPLOY / "local" / "cluster.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def nginx_binary() -> str | None:
    return shutil.which("nginx") or (str(Path("/usr/sbin/nginx")) if Path("/usr/sbin/nginx").exists() else None)


def missing_local_stack_binaries() -> list[str]:
    """What deploy/local/up needs from Debian's packages and this machine lacks."""
    missing = []
    if nginx_binary() is None:
        missing.append("nginx")
    for program in ("redis-server", "redis-sentinel", "redis-cli"):
        if shutil.which(program) is None:
            missing.append(program)
    for program in ("initdb", "pg_ctl", "pg_basebackup", "postgres", "psql", "pg_isready"):
        if not (PG_BIN / program).exists():
            missing.append(f"postgresql-15 ({PG_BIN / program})")
    return missing


def free_base_port(offsets: dict[str, int]) -> int:
    """A base port whose every offset is free on loopback (other stacks may run on this machine)."""
    for _ in range(50):
        base = random.randrange(20000, 60000, 100)  # noqa: S311 (not a secret)
        try:
            for offset in offsets.values():
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", base + offset))
        except OSError:
            continue
        return base
    raise AssertionError("no free block of ports")
