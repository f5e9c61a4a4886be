"""The fault runs (`python -m tests.cluster.faults`) in the test suite, where Debian's packages are installed: every
promise of every run must hold. The figures are printed (pytest -s shows them; tests/cluster/README.md and the
main README keep the last measured ones)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy.support import ROOT, missing_local_stack_binaries

pytestmark = pytest.mark.slow
# Five runs, the stack's start and stop: about three minutes here; bounded well below CI's limit.
TIMEOUT_SECONDS = 600


def test_every_fault_is_survived_as_promised(tmp_path: Path) -> None:
    missing = missing_local_stack_binaries()
    if missing:
        pytest.skip(f"the local stack needs Debian's packages; missing: {', '.join(missing)}")
    report = tmp_path / "faults.json"
    run = subprocess.run(
        [sys.executable, "-W", "ignore", "-m", "tests.cluster.faults", "--json", str(report)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    print(run.stdout)
    assert report.exists(), run.stdout + run.stderr
    results = json.loads(report.read_text())
    assert [result["name"] for result in results] == [
        "api_kill",
        "redis_master",
        "read_replica",
        "worker_kill",
        "capacity_race",
    ]
    broken = {
        result["name"]: [promise for promise, held in result["promises"].items() if not held] for result in results
    }
    assert not any(broken.values()), f"{broken}\n{run.stdout}\n{run.stderr[-3000:]}"
    assert run.returncode == 0, run.stderr[-3000:]
