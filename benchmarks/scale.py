"""Scale: one user's file of a million places, from upload to map, on one real server.

Run from the project root, alone on the machine (about 2 minutes per million rows):

    python benchmarks/scale.py                      # 100,000 and 1,000,000 places
    python benchmarks/scale.py --rows 1000000 10000000
    python benchmarks/scale.py --quick              # a smoke test: 50,000 places

The file is issue 12's: latitude, longitude and one numeric column, places scattered
around 36 centres over western Europe (a CSV of about 29 MB per million rows). Per size:

- ``load_s``: a real ``streamlit run serve.py`` (``tests/e2e/harness.py``), one session
  played with Streamlit's websocket protocol (``benchmarks/load.py``'s client): from the
  start of the file's upload (HTTP PUT) on the Data page, through that page's run (which
  reads the file and makes it the data of every page), to the end of the Clusters page's
  first run, which draws the map, the legend and the box plot (the sweep's scores follow
  in the background; the elbow chart waits for them). The page change follows the
  upload's run at once, as a click on "See the clusters" would. The session opens the
  Data page 10 s before it uploads, as a user picking a file would: the new server's
  warm-up is over by then.
- ``k_change_ms``: the median server settle time (rerun sent -> ``script_finished``, on
  loopback) of k changes on the Clusters page to k's not shown before (each one computes
  its views).
- ``rss_mb``: the server's peak resident memory during the whole run.
- ``map_kb``: what the browser downloads for the map at its first view: the deck's JSON
  plus the level-of-detail tiles of the view's zoom that cover a 1,000 x 650 pixel map
  (deck.gl's TileLayer asks for those), as sent over HTTP with gzip (raw size beside).
- ``sweep_s``: in this process, the app's sweep as the Clusters page runs it on the file
  with its first settings (the Dataset's default features, standard scaler, seed 0):
  ``engine.model.fit`` (k = 2..15, the fits on a ``FIT_SAMPLE_ROWS`` = 100,000-row sample
  above that, with ``SAMPLE_N_INIT`` starts) then ``engine.sweep.run.score_sweep``
  (sampled silhouette with its spread, CH, DB, the suggested k). Reading the file and
  scaling its features are timed apart (printed above the line).
- ``inertia_loss_pct``: in this process, per k the inertia of the app's fit (a 100,000-row
  sample, 3 k-means++ starts) over that of k-means fitted on every row with as many starts
  and the same seed, minus 1, in percent: the largest over k (every k's is printed above,
  and against one start on every row too). Skipped (``nan``) with ``--no-full-fit``; 0 up
  to 100,000 rows, where the app fits every row.

Baselines measured in the same run, printed as ratios: the sweep fitted on every row
(``sweep_ratio`` = full / app), and the map of a naive app that sends every row to pydeck
(``map_ratio`` = naive bytes / the app's wire bytes; the naive size is computed, not sent).

Files above the app's limits (2,000,000 rows, 100 MB) are refused by the page with a
message; the line for such a size says so instead of timing it.

The last line is machine-readable:

    scale n=1000000 load_s= sweep_s= k_change_ms= rss_mb= map_kb= inertia_loss_pct=
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import hashlib
import io
import json
import math
import os
import re
import statistics
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow
import pyarrow.parquet
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))
sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))

from load import (  # noqa: E402 -- the websocket client of the load benchmark
    CLUSTERS_PAGE,
    DATA_PAGE,
    K_KEY,
    MAP_ELEMENT,
    NOT_HELD,
    Client,
    RssSampler,
    StepError,
    slider_state,
    slider_value,
    streamlit_server,
    upload_file,
)
from map_tiles import tile_url, view_tiles  # noqa: E402

from components.engine import compact, row_labels, upload  # noqa: E402
from components.engine import model as engine_model  # noqa: E402
from components.engine.csv_limits import MAX_DATA_ROWS  # noqa: E402
from components.engine.dataset import LATITUDE, places_dataset  # noqa: E402
from components.engine.scaling import scale_features  # noqa: E402
from components.engine.sweep.run import fit_sweep, score_sweep  # noqa: E402

N_CENTRES = 36
K_CHANGES = (3, 5, 7, 9, 11, 13)
WARM_UP_S = 10.0
QUICK_ROWS = 50_000


def places_file(n_rows: int, file_format: str = "csv", seed: int = 0) -> bytes:
    """Places around 36 centres over western Europe: latitude, longitude, one value."""
    rng = np.random.default_rng(seed)
    centres = np.column_stack(
        [rng.uniform(41.0, 53.0, N_CENTRES), rng.uniform(-4.0, 14.0, N_CENTRES)]
    )
    spread = rng.uniform(0.05, 0.6, N_CENTRES)
    level = rng.uniform(500, 3_000, N_CENTRES)
    centre = rng.integers(0, N_CENTRES, n_rows)
    frame = pd.DataFrame(
        {
            "latitude": np.round(centres[centre, 0] + rng.normal(0, 1, n_rows) * spread[centre], 5),
            "longitude": np.round(
                centres[centre, 1] + rng.normal(0, 1.4, n_rows) * spread[centre], 5
            ),
            "price": np.round(level[centre] * rng.lognormal(0, 0.3, n_rows), 1),
        }
    )
    if file_format == "parquet":
        sink = pyarrow.BufferOutputStream()
        pyarrow.parquet.write_table(pyarrow.Table.from_pandas(frame, preserve_index=False), sink)
        return bytes(sink.getvalue().to_pybytes())
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    return buffer.getvalue().encode("utf-8")


class DeckClient(Client):
    """The load benchmark's client, keeping the last map's JSON."""

    deck_json: str = ""

    def _handle(self, message: ForwardMsg) -> None:
        if message.WhichOneof("type") == "delta":
            element = message.delta.new_element
            if element.WhichOneof("type") == "deck_gl_json_chart":
                self.deck_json = element.deck_gl_json_chart.json
        super()._handle(message)


@dataclass
class Measured:
    load_s: float
    k_change_ms: list[float]
    rss_mb: float
    map_wire_bytes: int
    map_raw_bytes: int
    tiles: int
    steps: str = ""  # the upload's Data page run and the Clusters page's first run


def _get(url: str) -> tuple[int, int]:
    """Bytes on the wire (gzip asked for, as browsers do) and decoded bytes of a GET."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=60) as response:
        body = response.read()
        if response.headers.get("Content-Encoding") == "gzip":
            return len(body), len(gzip.decompress(body))
        return len(body), len(body)


async def _session(url: str, content: bytes, name: str, timeout_s: float) -> Measured | str:
    client = DeckClient(url, timeout_s, page_name=DATA_PAGE)
    try:
        await client.connect()
        await client.rerun("data page")
        # A user takes a few seconds to pick a file; the new server's warm-up (the base
        # map's tiles, the kernels' compile in a child process) ends meanwhile.
        await asyncio.sleep(WARM_UP_S)
        start = time.perf_counter()
        await upload_file(client, name, content)
        client.deck_json = ""
        run = await client.open_page("clusters", CLUSTERS_PAGE)
        load_s = time.perf_counter() - start
        if MAP_ELEMENT not in run.elements or not client.deck_json:
            return "no map after the upload: " + "; ".join(run.warnings or ["(no message)"])
        if not run.says(name) or any(NOT_HELD in warning for warning in run.warnings):
            return "the Clusters page does not show the uploaded file"
        deck = json.loads(client.deck_json)
        template, tiles = view_tiles(deck)
        wire = raw = len(client.deck_json.encode("utf-8"))
        for tile in tiles:
            got_wire, got_raw = _get(f"{url}/{tile_url(template, tile)}")
            wire += got_wire
            raw += got_raw
        k_changes = []
        widget_id, proto = client.widget(K_KEY, "slider")
        shown = slider_value(proto)
        for k in (k for k in K_CHANGES if k != shown and k <= int(proto.max)):
            before = len(client.settles)
            await client.rerun("k", {widget_id: slider_state(widget_id, k)})
            k_changes.append(client.settles[before][1] * 1000)
            widget_id, _ = client.widget(K_KEY, "slider")
        steps = ", ".join(
            f"{step} run {seconds:.1f} s"
            for step, seconds in client.settles
            if step in ("upload", "clusters")
        )
        return Measured(load_s, k_changes, 0.0, wire, raw, len(tiles), steps)
    except (StepError, OSError, TimeoutError) as error:
        return f"failed: {error}"
    finally:
        await client.close()


@dataclass
class Fitted:
    sweep_s: float
    read_s: float  # the file read as the app reads it (a Dataset)
    prepare_s: float  # the feature matrix checked and scaled
    full_s: float = math.nan  # every-row fits with the app's starts
    loss_pct: np.ndarray | None = None  # per k, against every row with the same starts
    loss_one_start_pct: np.ndarray | None = None  # per k, against every row, one start


def _in_process(content: bytes, name: str, full_fit: bool) -> Fitted:
    """The app's sweep time and its inertia against k-means fitted on every row.

    The steps of the Clusters page's caches (``components/ui/cache/data.py`` and
    ``model.py``) on the file's first settings, without Streamlit. Up to
    ``FIT_SAMPLE_ROWS`` rows the app fits every row: no loss by construction. Above, the
    app fits a 100,000-row sample with ``SAMPLE_N_INIT`` k-means++ starts per k; it is
    compared with every row fitted with as many starts (the loss due to the sample), and
    with one start (scikit-learn's default for k-means++).
    """
    start = time.perf_counter()
    read = compact.compact_places(upload.read_places(content, filename=name))
    data = places_dataset(read, name, hashlib.sha256(content).hexdigest())
    read_s = time.perf_counter() - start
    start = time.perf_counter()
    matrix = engine_model.prepare(data, data.default_features, "exclude")
    scaled = scale_features(matrix.values, matrix.feature_names, "standard")
    latitude = data.places.frame[LATITUDE].to_numpy(dtype=np.float64, na_value=np.nan)
    order_key = latitude[row_labels.fit_rows(matrix.row_positions, scaled).train]
    prepare_s = time.perf_counter() - start
    start = time.perf_counter()
    fits = engine_model.fit(scaled.train, order_key, random_state=0, n_init="auto")
    score_sweep(scaled.train, fits)
    fitted = Fitted(sweep_s=time.perf_counter() - start, read_s=read_s, prepare_s=prepare_s)
    if scaled.train.shape[0] <= engine_model.FIT_SAMPLE_ROWS:
        fitted.loss_pct = fitted.loss_one_start_pct = np.zeros(1)
        return fitted
    if not full_fit:
        return fitted
    # The same scaled rows and seed, fitted on every row.
    start = time.perf_counter()
    full = fit_sweep(
        scaled.train, fits.k_values, order_key=order_key, n_init=engine_model.SAMPLE_N_INIT
    )
    fitted.full_s = time.perf_counter() - start
    one_start = fit_sweep(scaled.train, fits.k_values, order_key=order_key)
    fitted.loss_pct = (fits.inertia / full.inertia - 1) * 100
    fitted.loss_one_start_pct = (fits.inertia / one_start.inertia - 1) * 100
    return fitted


def _load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def measure(n_rows: int, file_format: str, timeout_s: float, full_fit: bool) -> str:
    # Past the row limit the file is not even written: the uploader refuses its bytes (a
    # million rows take 17.6 MB as Parquet and 22.9 MB as CSV, ten million about ten times).
    content = places_file(n_rows, file_format) if n_rows <= MAX_DATA_ROWS else b""
    name = f"places.{file_format}"
    size_mb = len(content) / 1024 / 1024
    print(f"n={n_rows:,} ({file_format}): {size_mb:.1f} MB; load average {_load_average()}")
    if n_rows > MAX_DATA_ROWS or len(content) > upload.MAX_UPLOAD_BYTES:
        limit = upload.MAX_UPLOAD_BYTES / 1024 / 1024
        line = (
            f"scale n={n_rows} format={file_format} refused: over the app's limits "
            f"({MAX_DATA_ROWS:,} rows, {limit:.0f} MB); the page says so before reading"
        )
        print(line)
        return line
    with streamlit_server({}) as server, RssSampler(server.process.pid) as sampler:
        sampler.reset()
        measured = asyncio.run(_session(server.url, content, name, timeout_s))
        rss_peak = sampler.peak
    if isinstance(measured, str):
        line = f"scale n={n_rows} format={file_format} {measured}"
        print(line)
        return line
    measured.rss_mb = rss_peak
    fitted = _in_process(content, name, full_fit)
    naive_map = n_rows * 32  # [lon, lat, cluster] per row as pydeck JSON, about 32 bytes
    k_median = statistics.median(measured.k_change_ms)
    print(
        f"  upload to map {measured.load_s:.1f} s ({measured.steps}); k changes "
        + ", ".join(f"{ms:.0f}" for ms in measured.k_change_ms)
        + f" ms; RSS peak {rss_peak:.0f} MB; map {measured.map_wire_bytes / 1024:.0f} KB on "
        f"the wire ({measured.map_raw_bytes / 1024:.0f} KB raw, deck + {measured.tiles} tiles); "
        f"map_ratio={naive_map / measured.map_wire_bytes:.0f} (naive {naive_map / 1024:.0f} KB)"
    )
    loss = fitted.loss_pct
    print(
        f"  in process: file read {fitted.read_s:.1f} s, features checked and scaled "
        f"{fitted.prepare_s:.1f} s; sweep (fits and scores) {fitted.sweep_s:.1f} s; every row "
        "fitted with the same starts "
        f"{fitted.full_s:.1f} s (sweep_ratio={fitted.full_s / fitted.sweep_s:.2f}, those fits "
        "alone against the app's whole sweep)"
    )
    if loss is not None and fitted.loss_one_start_pct is not None and loss.size > 1:
        print(
            "  inertia against every row, same starts, per k (%): "
            + " ".join(f"{value:+.2f}" for value in loss)
        )
        print(
            "  inertia against every row, one start, per k (%): "
            + " ".join(f"{value:+.2f}" for value in fitted.loss_one_start_pct)
        )
    loss_max = float(loss.max()) if loss is not None else math.nan
    line = (
        f"scale n={n_rows} format={file_format} load_s={measured.load_s:.1f} "
        f"sweep_s={fitted.sweep_s:.1f} k_change_ms={k_median:.0f} rss_mb={rss_peak:.0f} "
        f"map_kb={measured.map_wire_bytes / 1024:.0f} inertia_loss_pct={loss_max:.2f}"
    )
    print(line)
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--timeout-s", type=float, default=600.0)
    parser.add_argument("--no-full-fit", action="store_true", help="skip the every-row fit")
    parser.add_argument(
        "--formats", nargs="+", choices=["csv", "parquet"], default=["parquet", "csv"]
    )
    parser.add_argument("--quick", action="store_true", help="a smoke test: 50,000 places")
    args = parser.parse_args()
    if args.quick:
        # Every map is level-of-detail tiles now: a quick run fetches and sizes them too.
        # Below FIT_SAMPLE_ROWS, so the app fits every row (inertia_loss_pct is 0).
        args.rows = [QUICK_ROWS]
    lines = [
        measure(n, file_format, args.timeout_s, not args.no_full_fit and index == 0)
        for n in args.rows
        for index, file_format in enumerate(args.formats)
    ]
    print(f"load average {_load_average()}")
    # The 1M line last, as the issue asks (or the largest size measured).
    wanted = next((line for line in lines if line.startswith("scale n=1000000 ")), lines[-1])
    # The line: its fields in its order (the format named in the line above it).
    print(re.sub(r" format=\w+", "", wanted))


if __name__ == "__main__":
    main()
