"""The kernels compile in a child process into numba's disk cache (what a server starts)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.slow
def test_the_compile_command_fills_an_empty_numba_cache(tmp_path: Path) -> None:
    # numba is pinned in requirements.txt: a missing numba fails here, it is not skipped.
    environment = os.environ | {"NUMBA_CACHE_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "components.engine.sweep.compile"],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("kernels ready in ")
    # numba wrote the compiled kernels (an index and a data file per signature).
    written = [path for path in tmp_path.rglob("*") if path.suffix in {".nbi", ".nbc"}]
    assert any(path.suffix == ".nbi" for path in written), written
    assert any(path.suffix == ".nbc" for path in written), written


def test_the_compile_child_runs_at_a_lower_priority() -> None:
    # In a child: a process cannot raise its priority again once lowered.
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os; from components.engine.sweep.compile import lower_priority; "
            "print(lower_priority(), os.nice(0))",
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert done.stdout.split() == ["10", "10"]
