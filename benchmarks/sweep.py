"""Benchmark: the engine's k-sweep against the naive scikit-learn loop on the housing data.

Usage (from the project root)::

    python benchmarks/sweep.py [path/to/housing.csv]
    python benchmarks/sweep.py --quick    # a smoke test: 2,000 rows

Data path: the argument, else ``$GEOCLUSTER_DATA``, else ``../shared/data/housing.csv``, else
the shipped ``data/housing.csv.gz`` (the same rows). ``--quick`` keeps a random 2,000 of its
rows (seed 0), in both processes. Features: latitude, longitude, median_house_value,
standardised; k = 2..15.

- ours: ``components.sweep.sweep_k`` (fits + exact silhouette + CH + DB + suggestion), warm:
  the kernels are compiled (or loaded from numba's cache) first and that time is reported
  separately as ``compile_s``; then the median of 3 runs.
- sklearn: ``KMeans(k, random_state=0).fit`` + ``silhouette_score`` for each k, once.
- extra_mb: peak resident memory of one warm sweep above the resident memory just before it,
  measured in a fresh subprocess that has loaded the data and compiled the kernels
  (Linux ``VmHWM`` reset through ``/proc/self/clear_refs``; a 1 ms RSS sampler otherwise).

The last line printed is::

    sweep n=<n> k=2..15 ours_s=<s> sklearn_s=<s> speedup=<x> max_abs_err=<e> extra_mb=<MB>
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from components.engine.sweep.metrics import warm_up  # noqa: E402  (needs the project on sys.path)
from components.engine.sweep.run import sweep_k  # noqa: E402

FEATURES = ["latitude", "longitude", "median_house_value"]
K_VALUES = tuple(range(2, 16))
QUICK_ROWS = 2_000
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data" / "housing.csv"
SHIPPED_DATA = PROJECT_ROOT / "data" / "housing.csv.gz"


def data_path(argument: str | None) -> Path:
    """Resolve the CSV path: argument, $GEOCLUSTER_DATA, ../shared/data, the shipped file."""
    if argument:
        return Path(argument)
    from_env = os.environ.get("GEOCLUSTER_DATA")
    if from_env:
        return Path(from_env)
    return SHARED_DATA if SHARED_DATA.is_file() else SHIPPED_DATA


def load_scaled(path: Path, rows: int | None = None) -> np.ndarray:
    """Read the CSV (a random ``rows`` of it, seed 0) and standardise the benchmark features."""
    frame = pd.read_csv(path)
    if rows is not None:
        frame = frame.sample(n=rows, random_state=0)
    return StandardScaler().fit_transform(frame[FEATURES].to_numpy(dtype=np.float64))


def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear_refs:
            clear_refs.write("5")  # "5" resets the peak RSS (VmHWM) of this process
        return True
    except OSError:
        return False


def memory_probe(path: Path, rows: int | None) -> dict[str, float | str]:
    """Run in a fresh process: peak RSS of one warm sweep above the RSS just before it."""
    X = load_scaled(path, rows)
    warm_up()
    rss_before = _status_kib("VmRSS")
    if rss_before is None:
        raise RuntimeError("/proc/self/status is unreadable; run the benchmark on Linux.")
    if _reset_peak() and _status_kib("VmHWM") is not None:
        sweep_k(X, K_VALUES)
        peak = _status_kib("VmHWM") or rss_before
        method = "VmHWM reset via /proc/self/clear_refs"
    else:
        samples = [rss_before]
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                samples.append(_status_kib("VmRSS") or rss_before)
                time.sleep(0.001)

        sampler = threading.Thread(target=sample)
        sampler.start()
        sweep_k(X, K_VALUES)
        done.set()
        sampler.join()
        peak = max(samples)
        method = "VmRSS sampled every 1 ms"
    return {
        "extra_mb": (peak - rss_before) / 1024.0,
        "baseline_mb": rss_before / 1024.0,
        "method": method,
    }


def machine_description() -> str:
    """CPU model, core count and load, for BENCHMARKS.md."""
    model = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    return (
        f"{model}, {os.cpu_count()} logical CPUs, Python {platform.python_version()}, "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )


def main() -> None:
    """Run both sides, check they agree, print the summary line last."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", help="path to housing.csv")
    parser.add_argument(
        "--quick", action="store_true", help=f"smoke test: a random {QUICK_ROWS:,} rows"
    )
    parser.add_argument("--memory-probe", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    path = data_path(arguments.data)
    rows = QUICK_ROWS if arguments.quick else None
    if arguments.memory_probe:
        print(json.dumps(memory_probe(path, rows)))
        return

    X = load_scaled(path, rows)
    n_samples = X.shape[0]
    print(f"machine: {machine_description()}")
    print(f"data: {path} n={n_samples} features={','.join(FEATURES)} (standardised)")

    compile_seconds = warm_up()
    print(f"ours: kernel compile/cache load in this process: {compile_seconds:.2f} s")
    sweep_k(X, K_VALUES)  # first full run: thread pools, caches
    runs = []
    cpu_runs = []
    result = None
    for _ in range(3):
        start = time.perf_counter()
        cpu_start = time.process_time()
        result = sweep_k(X, K_VALUES)
        runs.append(time.perf_counter() - start)
        cpu_runs.append(time.process_time() - cpu_start)
    assert result is not None
    ours_seconds = statistics.median(runs)
    print(
        "ours: runs "
        + " ".join(f"{seconds:.3f}" for seconds in runs)
        + f" s; last run: fits {result.fit_seconds.sum():.3f} s (summed over 2 workers), "
        f"silhouette {result.silhouette_seconds:.3f} s, {result.n_cells} cells; "
        f"CPU time (all threads) median {statistics.median(cpu_runs):.3f} s"
    )

    start = time.perf_counter()
    cpu_start = time.process_time()
    naive_silhouette = []
    naive_labels = []
    for k in K_VALUES:
        model = KMeans(n_clusters=k, init="k-means++", n_init="auto", random_state=0).fit(X)
        naive_labels.append(model.labels_)
        naive_silhouette.append(silhouette_score(X, model.labels_))
    sklearn_seconds = time.perf_counter() - start
    sklearn_cpu = time.process_time() - cpu_start
    print(
        f"sklearn: KMeans.fit + silhouette_score for k=2..15 in {sklearn_seconds:.2f} s "
        f"(CPU time {sklearn_cpu:.2f} s; CPU-time ratio "
        f"{sklearn_cpu / statistics.median(cpu_runs):.0f}x, less sensitive to a shared machine)"
    )

    same_partitions = all(
        len(set(zip(ours.tolist(), theirs.tolist(), strict=True))) == k
        for ours, theirs, k in zip(result.labels, naive_labels, K_VALUES, strict=True)
    )
    max_abs_err = float(np.max(np.abs(result.silhouette - np.array(naive_silhouette))))
    print(
        f"agreement: labels identical up to renaming for every k: {same_partitions}; "
        f"max |silhouette difference| {max_abs_err:.2e}"
    )
    if not same_partitions or max_abs_err > 1e-8:
        raise SystemExit("The engine and scikit-learn disagree; see the lines above.")

    probe = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), str(path), "--memory-probe"]
        + (["--quick"] if arguments.quick else []),
        check=True,
        capture_output=True,
        text=True,
    )
    memory = json.loads(probe.stdout.strip().splitlines()[-1])
    print(
        f"memory: baseline {memory['baseline_mb']:.1f} MB after loading the data and compiling; "
        f"peak extra {memory['extra_mb']:.1f} MB ({memory['method']})"
    )
    print(
        f"sweep n={n_samples} k={K_VALUES[0]}..{K_VALUES[-1]} ours_s={ours_seconds:.3f} "
        f"sklearn_s={sklearn_seconds:.2f} speedup={sklearn_seconds / ours_seconds:.0f} "
        f"max_abs_err={max_abs_err:.1e} extra_mb={memory['extra_mb']:.1f}"
    )


if __name__ == "__main__":
    main()
