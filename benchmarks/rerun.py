"""Time the app's rerun after a k change (warm cache) against a bare page, and size the map.

Run from the project root:

    GEOCLUSTER_DATA=../shared/data/housing.csv python benchmarks/rerun.py
    python benchmarks/rerun.py --quick    # a smoke test: 3 k changes per page

Uses Streamlit's AppTest on the real data (``../shared/data/housing.csv`` by default, else
the shipped ``data/housing.csv.gz``: the same rows). After a first run (data load and
k-sweep) and one pass over every k (so each k's map, charts and tables are cached), it
times ``--repeats`` k changes on the Clusters page and on benchmarks/bare_page.py, which
draws the same widgets and nothing else. It also sizes what the browser fetches for the
map once per model: the files the deck's layers name, and for the level-of-detail
TileLayer the tiles of its first view (benchmarks/map_tiles.py), read from static/. The
last line is machine-readable:

    rerun k_change_ms=<ms> bare_ms=<ms> ratio=<x> map_payload_kb=<kb>
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from map_tiles import tile_url, view_tiles  # noqa: E402

if TYPE_CHECKING:
    from streamlit.testing.v1 import AppTest

DEFAULT_DATA = PROJECT_ROOT.parent / "shared" / "data" / "housing.csv"
STATIC_URL = "app/static/"  # Streamlit serves the project's static/ folder there
K_VALUES = list(range(2, 16))
QUICK_REPEATS = 3


def _k_sequence(repeats: int, start: int) -> list[int]:
    """k values to visit, never repeating the current one (a change every time)."""
    ks = []
    k = start
    for step in range(repeats):
        k = K_VALUES[(K_VALUES.index(k) + 1 + step % 3) % len(K_VALUES)]
        ks.append(k)
    return ks


def _time_k_changes(app: AppTest, ks: list[int]) -> list[float]:
    times = []
    for k in ks:
        app.slider(key="k").set_value(k)
        start = time.perf_counter()
        app.run()
        times.append((time.perf_counter() - start) * 1000)
        if app.exception:
            raise RuntimeError(f"The page raised at k={k}: {app.exception[0].message}")
    return times


def served_map_files(deck: dict[str, Any]) -> list[Path]:
    """The files under static/ the browser fetches for the deck's first view.

    A layer whose ``data`` is a served URL names one file, except a TileLayer, whose
    ``data`` is a URL template: its files are the tiles of the first view.
    """
    urls: list[str] = []
    for layer in deck["layers"]:
        data = layer.get("data")
        if not (isinstance(data, str) and data.startswith(STATIC_URL)):
            continue
        if layer["@@type"] == "TileLayer":
            template, tiles = view_tiles(deck, layer)
            urls += [tile_url(template, tile) for tile in tiles]
        else:
            urls.append(data)
    return [PROJECT_ROOT / "static" / url.removeprefix(STATIC_URL) for url in urls]


def main() -> int:
    """Run the benchmark and print its summary line last."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20, help="k changes timed per page")
    parser.add_argument(
        "--quick", action="store_true", help=f"smoke test: --repeats {QUICK_REPEATS}"
    )
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.repeats = QUICK_REPEATS
    # Without the shared copy the app reads the shipped data (the same rows) by itself.
    if DEFAULT_DATA.is_file():
        os.environ.setdefault("GEOCLUSTER_DATA", str(DEFAULT_DATA))
    os.chdir(PROJECT_ROOT)
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=600)
    start = time.perf_counter()
    app.run()
    print(f"first run (data load + k-sweep): {time.perf_counter() - start:.1f} s")
    if app.exception:
        raise RuntimeError(f"The page raised: {app.exception[0].message}")
    first_visits = _time_k_changes(app, [k for k in K_VALUES if k != 5] + [5])
    print(
        "first visit of each k (per-k views built): "
        f"median {statistics.median(first_visits):.0f} ms, max {max(first_visits):.0f} ms"
    )
    k_change = _time_k_changes(app, _k_sequence(arguments.repeats, 5))
    deck = app.get("deck_gl_json_chart")[0]
    payload_kb = len(deck.proto.json.encode("utf-8")) / 1024
    served = served_map_files(json.loads(deck.proto.json))
    print(
        f"map deck sent per k change: {payload_kb:.1f} KB; map rows fetched once per model "
        f"(first view): {sum(path.stat().st_size for path in served) / 1024:.1f} KB in "
        f"{len(served)} file(s)"
    )

    bare = AppTest.from_file(str(PROJECT_ROOT / "benchmarks" / "bare_page.py"), default_timeout=600)
    bare.run()
    _time_k_changes(bare, K_VALUES[:3])
    bare_times = _time_k_changes(bare, _k_sequence(arguments.repeats, 4))

    k_change_ms = statistics.median(k_change)
    bare_ms = statistics.median(bare_times)
    print(
        f"k change (warm): median {k_change_ms:.1f} ms, "
        f"min {min(k_change):.1f}, max {max(k_change):.1f} over {len(k_change)}"
    )
    print(f"bare page: median {bare_ms:.1f} ms over {len(bare_times)}")
    print(
        f"rerun k_change_ms={k_change_ms:.1f} bare_ms={bare_ms:.1f} "
        f"ratio={k_change_ms / bare_ms:.2f} map_payload_kb={payload_kb:.1f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
