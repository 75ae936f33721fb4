"""Every benchmark's quick mode runs to its summary line: a benchmark that crashes fails CI.

Each script in benchmarks/ runs as its docstring says (``python benchmarks/<name>.py
--quick`` from the project root, and a script's other modes with their flags before
``--quick``, such as ``python benchmarks/load.py --churn --quick``) in a process of its
own. The test checks the exit code, that the last line of its output is the documented
summary (the mode's name, then its key=value fields in order, each a number), and the
values that show a broken run without being a time: every session served, the engine
agreeing with scikit-learn, memory figures that can be true. No time is asserted: a
quick run's figures on a shared machine say nothing.
"""

from __future__ import annotations

import ast
import math
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BENCHMARKS_DIR = PROJECT_ROOT / "benchmarks"
# Far above a quick run on a busy 2-core machine; only a hang should reach it.
TIMEOUT_S = 900
# The engine's sweep and silhouettes must match scikit-learn's to this (as the full runs).
AGREEMENT = 1e-8
# Files of benchmarks/ that are not benchmarks: pages other benchmarks serve, and helpers.
NOT_BENCHMARKS = frozenset({"bare_page.py", "hello_page.py", "naive_app.py", "map_tiles.py"})
# One number, or a comma-separated list of them (distributed.py's sizes and seconds).
NUMBERS = re.compile(r"^-?\d+(\.\d+)?(e[+-]?\d+)?(,-?\d+(\.\d+)?(e[+-]?\d+)?)*$")


Fields = dict[str, str]


@dataclass(frozen=True)
class QuickMode:
    """A benchmark's quick run and what its summary line must hold."""

    name: str  # the summary line's first word (and the script's name, unless ``script``)
    fields: tuple[str, ...]  # the summary's keys, in order
    server: bool  # starts a Streamlit server (and maybe a browser): also an e2e test
    check: Callable[[Fields, str], None] = lambda fields, stdout: None
    text_fields: frozenset[str] = frozenset()  # fields that are not numbers
    script: str = ""  # the script without .py when it is not ``name`` (a mode of it)
    flags: tuple[str, ...] = ()  # the mode's flags, before --quick

    @property
    def path(self) -> Path:
        return BENCHMARKS_DIR / f"{self.script or self.name}.py"

    @property
    def command(self) -> str:
        """The quick command as the script's docstring gives it."""
        return " ".join(("python", f"benchmarks/{self.path.name}", *self.flags, "--quick"))


def _every_session_served(fields: Fields, stdout: str) -> None:
    assert fields["ok"] == fields["users"], f"sessions OK: {fields['ok']} of {fields['users']}"
    failed = [line for line in stdout.splitlines() if line.strip().startswith("FAILED")]
    assert not failed, "\n".join(failed)


def _auto_reaches_the_best(fields: Fields) -> None:
    # "auto" is scikit-learn's best of 10 starts, so it cannot be worse than it.
    assert float(fields["auto_gap_max_pct"]) <= 1e-6
    assert float(fields["one_start_gap_max_pct"]) >= 0


def _agrees_with_sklearn(fields: Fields, _stdout: str) -> None:
    assert float(fields["max_abs_err"]) <= AGREEMENT


def _settled_every_setting(fields: Fields, stdout: str) -> None:
    assert int(fields["settings"]) >= 1
    assert 0 < float(fields["rss_plateau_mb"]) <= float(fields["rss_peak_mb"])
    failed = [line for line in stdout.splitlines() if line.strip().startswith("FAILED")]
    assert not failed, "\n".join(failed)
    for label in ("first visit", "revisit"):
        visits = [line for line in stdout.splitlines() if line.strip().startswith(label)]
        assert len(visits) == int(fields["settings"]), f"{label}: {len(visits)} lines"


def _one_time_per_size(fields: Fields, _stdout: str) -> None:
    sizes = fields["n"].split(",")
    assert len(fields["seconds"].split(",")) == len(fields["ratio"].split(",")) == len(sizes)
    assert [int(n) for n in sizes] == sorted(int(n) for n in sizes)


def _regions_are_contiguous(fields: Fields, _stdout: str) -> None:
    assert int(fields["regions_fragmented"]) == 0
    assert 0 <= int(fields["kmeans_fragmented"]) <= 5  # of k = 5 clusters
    assert float(fields["wcss_ratio"]) > 0


def _opens_with_no_request(fields: Fields, stdout: str) -> None:
    assert int(fields["requests_when_opened"]) == 0, stdout
    assert int(fields["bytes"]) > 0


QUICK_MODES = (
    QuickMode(
        "browser",
        (
            "k_change_ms",
            "naive_k_change_ms",
            "k_ratio",
            "first_load_ms",
            "naive_first_load_ms",
            "load_ratio",
            "cold_paint_ms",
        ),
        server=True,
    ),
    QuickMode("distributed", ("n", "seconds", "ratio", "exponent"), False, _one_time_per_size),
    QuickMode(
        "load",
        (
            "users",
            "ok",
            "p95_s",
            "rss_peak_mb",
            "rss_after_mb",
            "upload3_rss_peak_mb",
            "upload3_rss_after_mb",
        ),
        server=True,
        check=_every_session_served,
    ),
    QuickMode(
        "churn",
        ("settings", "rss_plateau_mb", "rss_peak_mb", "first_visit_s", "revisit_s"),
        server=True,
        check=_settled_every_setting,
        script="load",
        flags=("--churn",),
    ),
    QuickMode(
        "regions",
        ("n", "seconds", "kmeans_fragmented", "regions_fragmented", "wcss_ratio"),
        server=False,
        check=_regions_are_contiguous,
    ),
    QuickMode(
        "report",
        ("bytes", "build_ms", "requests_when_opened"),
        server=True,  # no server, but a browser: an e2e test too
        check=_opens_with_no_request,
    ),
    QuickMode("rerun", ("k_change_ms", "bare_ms", "ratio", "map_payload_kb"), server=False),
    QuickMode(
        "scale",
        ("n", "load_s", "sweep_s", "k_change_ms", "rss_mb", "map_kb", "inertia_loss_pct"),
        server=True,
    ),
    QuickMode(
        "silhouette_points",
        ("rows", "median_s", "sklearn_median_s", "speedup", "max_abs_err"),
        server=False,
        check=_agrees_with_sklearn,
    ),
    QuickMode(
        "starts",
        (
            "n",
            "one_start_s",
            "auto_s",
            "ratio",
            "one_start_gap_max_pct",
            "auto_gap_max_pct",
            "one_start_gap_k5_pct",
        ),
        server=False,
        check=lambda fields, stdout: _auto_reaches_the_best(fields),
    ),
    QuickMode(
        "sweep",
        ("n", "k", "ours_s", "sklearn_s", "speedup", "max_abs_err", "extra_mb"),
        server=False,
        check=_agrees_with_sklearn,
        text_fields=frozenset({"k"}),
    ),
)


def summary_fields(line: str, mode: QuickMode) -> Fields:
    """The key=value fields of ``mode``'s summary line; fails when the line is not one."""
    name, *pairs = line.split()
    assert name == mode.name, f"the last line is not {mode.name}'s summary: {line!r}"
    fields = dict(pair.split("=", 1) for pair in pairs if "=" in pair)
    assert len(fields) == len(pairs), f"a field is not key=value: {line!r}"
    assert tuple(fields) == mode.fields, f"fields {tuple(fields)}, expected {mode.fields}"
    for key, value in fields.items():
        if key in mode.text_fields:
            continue
        assert NUMBERS.match(value), f"{key}={value} is not a number"
        assert all(math.isfinite(float(part)) for part in value.split(",")), f"{key}={value}"
    return fields


def _docstring(path: Path) -> str:
    source = path.read_text(encoding="utf-8")
    return ast.get_docstring(ast.parse(source)) or ""


def test_every_benchmark_has_a_quick_mode_here() -> None:
    scripts = {path.name for path in BENCHMARKS_DIR.glob("*.py")}
    listed = {mode.path.name for mode in QUICK_MODES}
    assert scripts - NOT_BENCHMARKS == listed, "a benchmark without a quick-mode test"
    for mode in QUICK_MODES:
        assert mode.command in _docstring(mode.path), (
            f"{mode.path.name}'s docstring does not give the quick command {mode.command!r}"
        )


def test_summary_fields_refuses_a_line_that_is_not_the_summary() -> None:
    rerun = next(mode for mode in QUICK_MODES if mode.name == "rerun")
    line = "rerun k_change_ms=71.8 bare_ms=13.1 ratio=5.47 map_payload_kb=1.7"
    assert summary_fields(line, rerun)["ratio"] == "5.47"
    for broken in (
        "Traceback (most recent call last):",
        "rerun k_change_ms=71.8 bare_ms=13.1 ratio=5.47",
        "rerun k_change_ms=71.8 bare_ms=nan ratio=nan map_payload_kb=1.7",
        "rerun k_change_ms=71.8 bare_ms=13.1 ratio=5.47 map_payload_kb=1.7 extra",
    ):
        with pytest.raises(AssertionError):
            summary_fields(broken, rerun)


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.splitlines()[-lines:])


@pytest.mark.parametrize(
    "mode",
    [
        pytest.param(
            mode,
            id=mode.name,
            marks=[pytest.mark.slow, *([pytest.mark.e2e] if mode.server else [])],
        )
        for mode in QUICK_MODES
    ],
)
def test_quick_mode_runs_to_its_summary_line(mode: QuickMode) -> None:
    result = subprocess.run(
        [sys.executable, str(mode.path), *mode.flags, "--quick"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "CI": "true"},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    output = f"stdout:\n{_tail(result.stdout)}\nstderr:\n{_tail(result.stderr)}"
    assert result.returncode == 0, f"{mode.command} exited {result.returncode}\n{output}"
    lines = result.stdout.strip().splitlines()
    assert lines, f"{mode.command} printed nothing\n{output}"
    fields = summary_fields(lines[-1], mode)
    mode.check(fields, result.stdout)
