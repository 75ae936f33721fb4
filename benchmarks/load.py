"""Load: many concurrent sessions on one real server, then three 1M-row uploads at once.

Run from the project root, alone on the machine (the full run takes several minutes):

    python benchmarks/load.py                # 50 sessions, then three 1M-row uploads
    python benchmarks/load.py --users 200
    python benchmarks/load.py --quick        # a smoke test: 4 sessions, 20,000-row files
    python benchmarks/load.py --churn        # one session, 32 settings, then again
    python benchmarks/load.py --churn --quick  # a smoke test: 6 settings

It starts ``streamlit run serve.py`` on a free 127.0.0.1 port (``tests/e2e/harness.py``: the
project's .streamlit/config.toml, the reference data set, no file watcher) and plays
browsers with Streamlit's own websocket protocol, as the frontend of Streamlit 1.67 does:

- a session GETs ``/_stcore/health`` (which sets the ``_streamlit_xsrf`` cookie), opens
  ``ws://host:port/_stcore/stream`` with the subprotocols ``streamlit, <xsrf token>`` and
  sends ``BackMsg.rerun_script`` (a ``ClientState``: the page's URL name, the query string,
  widget states); the server answers with ``ForwardMsg``\\ s: ``new_session`` (the session
  id), deltas (the page's elements; a widget's id is in its element), ``page_info_changed``
  (the query string the page wrote, sent back with the next rerun, as the browser's URL
  bar would), ``auto_rerun`` (a fragment to rerun every so often) and ``script_finished``;
- a widget change is a rerun whose ``WidgetStates`` give the widget's id (taken from the
  last deltas) and its new value (the k slider a ``double_array_value``, the features
  multiselect a ``string_array_value`` of its option labels, a select box a
  ``string_value``, the seed an ``int_value``). The browser reports every widget's value;
  the server keeps a widget's last value when a client leaves it out, so sending the
  changed ones is the same to the server;
- an upload asks for an upload URL (``BackMsg.file_urls_request`` -> ``file_urls_response``),
  PUTs the file as multipart form data to ``/_stcore/upload_file/<session>/<file id>``
  with the XSRF token in ``X-Xsrftoken``, then reruns with the uploader's
  ``file_uploader_state_value`` naming the file (what
  ``streamlit/web/server/starlette/starlette_routes.py`` and the uploader widget expect);
- a page change is a rerun naming the other page's URL name (as a page link does), with
  no query string and none of the last page's widgets.

Settle time: from sending a rerun to its ``script_finished`` (finished successfully; a
run that ends early for a rerun the page asked for is waited through). A step fails on a
compile error, an exception element, an error box, or a timeout; a session is OK when
every step is. The Clusters page paints the map, legend and box plot before the sweep's
scores are ready; meanwhile a fragment polls (``auto_rerun``, every 0.5 s) and reruns the
page when they are. A *settled* run (churn mode) is the first full run after a change
that leaves no such fragment: the client polls the fragment as the browser does, and the
time runs from the change to the end of that run.

Phase 1, ``--users`` sessions at once (started over ``--ramp-s`` seconds): each opens
the Clusters page, changes k three times and the features once (one of three feature
sets, by session). Phase 2: three sessions each upload a different file of ``--rows``
rows (about 41 MB for 1M rows) on the Data page at once (which makes it the data of
every page), open the Clusters page, wait for its clusters, and change k once (the file
must still be held). After each phase the sessions close and the script waits
``--after-s`` seconds (60; uploads are released 30 s after their session ends). The
server's resident memory (``VmRSS`` of ``/proc/<pid>/status``) is sampled every 0.2 s:
before, peak and after each phase.

The last line is machine-readable:

    load users=<n> ok=<sessions ok> p95_s=<settle p95> rss_peak_mb=<phase 1 peak>
        rss_after_mb=<60 s after phase 1> upload3_rss_peak_mb=<phase 2 peak>
        upload3_rss_after_mb=<60 s after phase 2>

(one line, wrapped here); ``p95_s`` is over every step of phase 1 (the first load, the k
changes and the feature change), each step type is printed above it. Issue 11's goals:
every session OK; RSS peak under 1 GB with 200 sessions; with the three uploads, peak
under 2 GB and back within 20% of the pre-upload level 60 s after they close.

``--churn`` (issue 21) runs instead one session on the census data: it opens the Clusters
page, then cycles it through ``--settings`` distinct settings (32; each a change of the
features, the scaler, the seed and k in one rerun, every one a model not seen before),
then visits the same settings again in the same order. Each change waits for the settled
run. The server's RSS is sampled every 0.2 s throughout. The last line:

    churn settings=<n> rss_plateau_mb=<median RSS over the last quarter of the first
        pass> rss_peak_mb=<peak of the whole run> first_visit_s=<median settle, first
        pass> revisit_s=<median settle, second pass>

(one line, wrapped here). Issue 21's goals: rss_plateau_mb <= 700 and revisit_s below
first_visit_s.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import math
import os
import statistics
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from google.protobuf.message import DecodeError
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Common_pb2 import FileURLs, UploadedFileInfo
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import ClientConnection, connect

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT / "tests" / "e2e"))

import harness  # noqa: E402 -- lives in tests/e2e, shared with the browser tests

MB = 1024 * 1024
XSRF_COOKIE = "_streamlit_xsrf"
DATA_PAGE = "data"  # the pages' URL names (components/ui/router.py)
CLUSTERS_PAGE = "clusters"
UPLOAD_KEY_PREFIX = "data_upload"  # the Data page's uploader: data_upload_<n> (ui/source.py)
K_KEY = "k"  # widget keys of the clustering pages, for every source (components/ui/widgets.py)
FEATURES_KEY = "features"
SCALER_KEY = "scaler"
SEED_KEY = "seed"
FINISHED_OK = (
    ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY,
    ForwardMsg.ScriptFinishedStatus.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
)
NOT_HELD = "no longer held"  # the pages' note when a file was released (ui/source.py)
MAP_ELEMENT = "deck_gl_json_chart"
CHURN_SETTINGS = 32
QUICK_CHURN_SETTINGS = 6


# ------------------------------------------------------------------------------ memory


def rss_mb(pid: int) -> float | None:
    """Resident memory of a process in MB (``VmRSS``), None when it is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        return None
    return None


class RssSampler:
    """Samples a process's RSS every ``interval_s`` in a thread; ``peak`` since ``reset``.

    Every sample is also kept in ``samples`` as ``(time.monotonic(), MB)``.
    """

    def __init__(self, pid: int, interval_s: float = 0.2) -> None:
        self.pid = pid
        self.interval_s = interval_s
        self.peak = 0.0
        self.samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            value = rss_mb(self.pid)
            if value is not None:
                self.peak = max(self.peak, value)
                self.samples.append((time.monotonic(), value))

    def between(self, start: float, end: float) -> list[float]:
        """The samples (MB) taken from ``start`` to ``end`` (``time.monotonic()`` values)."""
        return [value for at, value in list(self.samples) if start <= at <= end]

    def reset(self) -> float:
        """Start a new peak from now; return the RSS now."""
        now = rss_mb(self.pid) or 0.0
        self.peak = now
        return now

    def __enter__(self) -> RssSampler:
        self.reset()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


# ------------------------------------------------------------------------------ client


class StepError(RuntimeError):
    """A rerun did not finish successfully; the message says how."""


@dataclass
class Run:
    """What one script run sent: its elements and how it ended."""

    widgets: dict[str, tuple[str, Any]] = field(default_factory=dict)  # id -> (kind, proto)
    elements: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    status: int | None = None
    auto_reruns: dict[str, float] = field(default_factory=dict)  # fragment id -> interval s
    texts: list[str] = field(default_factory=list)  # Markdown and captions, unescaped

    def says(self, text: str) -> bool:
        """Whether a Markdown element or caption of the run holds ``text``."""
        return any(text in shown for shown in self.texts)


@dataclass
class Client:
    """One browser tab: a websocket session on the server."""

    url: str
    timeout_s: float
    ws: ClientConnection | None = None
    cookie: str = ""
    session_id: str = ""
    query_string: str = ""
    page_name: str = ""
    states: dict[str, WidgetState] = field(default_factory=dict)
    widgets: dict[str, tuple[str, Any]] = field(default_factory=dict)
    settles: list[tuple[str, float]] = field(default_factory=list)
    polls: int = 0  # fragment reruns sent by settle()
    _file_urls: dict[str, asyncio.Future[list[FileURLs]]] = field(default_factory=dict)
    _run: Run | None = None
    _finished: asyncio.Event = field(default_factory=asyncio.Event)
    _reader: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        self.cookie = await asyncio.to_thread(_xsrf_cookie, self.url)
        host = self.url.removeprefix("http://")
        self.ws = await connect(
            f"ws://{host}/_stcore/stream",
            subprotocols=["streamlit", self.cookie],  # type: ignore[list-item]
            additional_headers={"Cookie": f"{XSRF_COOKIE}={self.cookie}", "Origin": self.url},
            max_size=None,
            open_timeout=self.timeout_s,
        )
        self._reader = asyncio.create_task(self._read())

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            await asyncio.wait([self._reader], timeout=10)

    async def _read(self) -> None:
        assert self.ws is not None
        async for frame in self.ws:
            message = ForwardMsg()
            try:
                message.ParseFromString(frame if isinstance(frame, bytes) else frame.encode())
            except DecodeError:
                continue
            self._handle(message)

    def _handle(self, message: ForwardMsg) -> None:
        kind = message.WhichOneof("type")
        run = self._run
        if kind == "new_session":
            if message.new_session.initialize.session_id:
                self.session_id = message.new_session.initialize.session_id
        elif kind == "page_info_changed":
            self.query_string = message.page_info_changed.query_string
        elif kind == "auto_rerun" and run is not None:
            run.auto_reruns[message.auto_rerun.fragment_id] = message.auto_rerun.interval
        elif kind == "stop_auto_rerun" and run is not None:
            for fragment_id in message.stop_auto_rerun.fragment_ids:
                run.auto_reruns.pop(fragment_id, None)
        elif kind == "file_urls_response":
            response = message.file_urls_response
            future = self._file_urls.pop(response.response_id, None)
            if future is not None and not future.done():
                if response.error_msg:
                    future.set_exception(StepError(f"upload URL refused: {response.error_msg}"))
                else:
                    future.set_result(list(response.file_urls))
        elif kind == "delta" and run is not None:
            if message.delta.WhichOneof("type") != "new_element":
                return
            element = message.delta.new_element
            element_kind = element.WhichOneof("type") or ""
            run.elements.append(element_kind)
            proto = getattr(element, element_kind, None)
            widget_id = getattr(proto, "id", "")
            if isinstance(widget_id, str) and widget_id:
                run.widgets[widget_id] = (element_kind, proto)
            if element_kind == "markdown":
                run.texts.append(element.markdown.body.replace("\\", ""))
            elif element_kind == "exception":
                run.errors.append(f"exception: {element.exception.message[:200]}")
            elif element_kind == "alert" and element.alert.format == Alert.ERROR:
                run.errors.append(f"error box: {element.alert.body[:200]}")
            elif element_kind == "alert" and element.alert.format == Alert.WARNING:
                run.warnings.append(element.alert.body)
        elif kind == "script_finished" and run is not None:
            status = message.script_finished
            if status == ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN:
                # The page asked for a rerun (or we sent one): wait for that run's end.
                # A fragment's request to rerun the app starts a full run: the fragments
                # to poll are those that run registers.
                self._run = Run()
                return
            run.status = status
            self._finished.set()

    async def _send(self, message: BackMsg) -> None:
        assert self.ws is not None
        await self.ws.send(message.SerializeToString())

    async def _exchange(self, step: str, fragment_id: str = "") -> Run:
        """Send a rerun with the widget values set so far; wait for its (successful) end.

        ``fragment_id``: rerun that fragment alone, as the browser's ``auto_rerun`` timer does.
        """
        message = BackMsg()
        state = message.rerun_script
        state.query_string = self.query_string
        state.page_name = self.page_name
        state.widget_states.widgets.extend(self.states.values())
        state.context_info.timezone = "UTC"
        state.context_info.url = f"{self.url}/{self.page_name}"
        if fragment_id:
            state.fragment_id = fragment_id
            state.is_auto_rerun = True
        self._run = Run()
        self._finished.clear()
        await self._send(message)
        try:
            await asyncio.wait_for(self._finished.wait(), timeout=self.timeout_s)
        except TimeoutError as error:
            raise StepError(f"{step}: no script_finished within {self.timeout_s:.0f} s") from error
        run = self._run
        if run.status not in FINISHED_OK:
            raise StepError(f"{step}: script finished with status {run.status}")
        if run.errors:
            raise StepError(f"{step}: {run.errors[0]}")
        if run.status == ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY:
            self.widgets = run.widgets  # a fragment run sends only the fragment's elements
        return run

    async def rerun(self, step: str, changed: dict[str, WidgetState] | None = None) -> Run:
        """Send a rerun with the widget values set so far (and ``changed``); wait for its end."""
        self.states.update(changed or {})
        start = time.perf_counter()
        run = await self._exchange(step)
        self.settles.append((step, time.perf_counter() - start))
        return run

    async def settle(self, step: str, changed: dict[str, WidgetState] | None = None) -> Run:
        """Like :meth:`rerun`, then poll the page's fragments until a full run leaves none.

        The browser reruns a fragment of ``auto_rerun`` every interval; the Clusters page's
        fragment reruns the whole page when the sweep's scores are ready. The settle time
        recorded runs from the change to the end of the first full run that registers no
        such fragment: the page in its final form. Returns that run.
        """
        self.states.update(changed or {})
        start = time.perf_counter()
        run = await self._exchange(step)
        while run.auto_reruns:
            if time.perf_counter() - start > self.timeout_s:
                raise StepError(f"{step}: not settled within {self.timeout_s:.0f} s")
            fragment_id, interval_s = next(iter(run.auto_reruns.items()))
            await asyncio.sleep(interval_s)
            polled = await self._exchange(f"{step} (poll)", fragment_id)
            self.polls += 1
            if polled.status == ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY:
                run = polled  # the fragment reran the page: a full run
        self.settles.append((step, time.perf_counter() - start))
        return run

    async def open_page(self, step: str, page_name: str, *, settled: bool = False) -> Run:
        """Go to another page, as a page link does: its URL name, no query, no old widgets."""
        self.page_name = page_name
        self.query_string = ""
        self.states.clear()
        return await (self.settle(step) if settled else self.rerun(step))

    def widget(self, key: str, kind: str) -> tuple[str, Any]:
        """The id and element of the page's widget with a user key (``$$ID-<hash>-<key>``)."""
        for widget_id, (element_kind, proto) in self.widgets.items():
            if element_kind == kind and widget_id.endswith(f"-{key}"):
                return widget_id, proto
        raise StepError(f"no {kind} with key {key!r} on the page")

    def widget_by_prefix(self, prefix: str, kind: str) -> tuple[str, Any]:
        """Like :meth:`widget` for a key that ends in a number (``<prefix>_<n>``)."""
        for widget_id, (element_kind, proto) in self.widgets.items():
            head, _, number = widget_id.rpartition("_")
            if element_kind == kind and head.endswith(f"-{prefix}") and number.isdigit():
                return widget_id, proto
        raise StepError(f"no {kind} with key {prefix}_<n> on the page")

    async def upload(self, name: str, content: bytes) -> UploadedFileInfo:
        """Ask for an upload URL and PUT the file there, as the uploader widget does."""
        request_id = uuid.uuid4().hex
        future: asyncio.Future[list[FileURLs]] = asyncio.get_running_loop().create_future()
        self._file_urls[request_id] = future
        message = BackMsg()
        message.file_urls_request.request_id = request_id
        message.file_urls_request.file_names.append(name)
        message.file_urls_request.session_id = self.session_id
        await self._send(message)
        (urls,) = await asyncio.wait_for(future, timeout=self.timeout_s)
        await asyncio.to_thread(_put_file, self.url + urls.upload_url, self.cookie, name, content)
        info = UploadedFileInfo(file_id=urls.file_id, name=name, size=len(content))
        info.file_urls.CopyFrom(urls)
        return info


def _xsrf_cookie(url: str) -> str:
    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=30) as response:
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            if name.strip() == XSRF_COOKIE:
                return rest.split(";", 1)[0]
    raise StepError("the server set no XSRF cookie (is server.enableXsrfProtection on?)")


def _put_file(url: str, cookie: str, name: str, content: bytes) -> None:
    boundary = uuid.uuid4().hex
    body = b"".join(
        [
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{name}"\r\nContent-Type: text/csv\r\n\r\n'.encode(),
            content,
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
    request = urllib.request.Request(
        url,
        data=body,
        method="PUT",
        headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "X-Xsrftoken": cookie,
            "Cookie": f"{XSRF_COOKIE}={cookie}",
        },
    )
    with urllib.request.urlopen(request, timeout=300) as response:
        if response.status not in (200, 204):
            raise StepError(f"upload answered {response.status}")


def slider_state(widget_id: str, value: float) -> WidgetState:
    state = WidgetState(id=widget_id)
    state.double_array_value.data.append(value)
    return state


# ------------------------------------------------------------------------------ sessions


@dataclass
class Outcome:
    ok: bool
    settles: list[tuple[str, float]]
    error: str = ""


def slider_value(proto: Any) -> int:
    """The value a slider element shows (set by the page, else its default)."""
    return int((proto.value if proto.set_value else proto.default)[0])


def _k_values(proto: Any, index: int) -> list[int]:
    """Three k's of the slider's range, other than the one shown, different per session."""
    low, high = int(proto.min), int(proto.max)
    shown = slider_value(proto)
    choices = [k for k in range(low, high + 1) if k != shown]
    start = index % len(choices)
    return [choices[(start + 3 * i) % len(choices)] for i in range(3)]


def shown_options(proto: Any) -> list[str]:
    """The option labels a multiselect element shows (set by the page, else its default)."""
    options = list(proto.options)
    return list(proto.raw_values) if proto.set_value else [options[i] for i in proto.default]


def _features(proto: Any, index: int) -> list[str]:
    """The features shown plus one more (one of three, by session)."""
    shown = shown_options(proto)
    extra = [option for option in proto.options if option not in shown]
    return [*shown, extra[index % min(3, len(extra))]] if extra else shown[:-1]


async def clusters_session(url: str, index: int, delay_s: float, timeout_s: float) -> Outcome:
    """Open the Clusters page, change k three times and the features once."""
    await asyncio.sleep(delay_s)
    client = Client(url, timeout_s)
    try:
        await client.connect()
        await client.rerun("load")
        widget_id, proto = client.widget(K_KEY, "slider")
        for k in _k_values(proto, index):
            await client.rerun("k", {widget_id: slider_state(widget_id, k)})
            widget_id, _ = client.widget(K_KEY, "slider")
        features_id, proto = client.widget(FEATURES_KEY, "multiselect")
        state = WidgetState(id=features_id)
        state.string_array_value.data.extend(_features(proto, index))
        await client.rerun("features", {features_id: state})
        return Outcome(True, client.settles)
    except (StepError, OSError, TimeoutError) as error:
        return Outcome(False, client.settles, f"session {index}: {error}")
    finally:
        await client.close()


async def upload_file(client: Client, name: str, content: bytes) -> Run:
    """On the Data page (open in ``client``): upload a file; return the run that read it.

    The upload makes the file the data of every page (the Data page reads it and says
    what was read; an error box fails the step).
    """
    uploader_id, _ = client.widget_by_prefix(UPLOAD_KEY_PREFIX, "file_uploader")
    info = await client.upload(name, content)
    state = WidgetState(id=uploader_id)
    state.file_uploader_state_value.uploaded_file_info.append(info)
    return await client.rerun("upload", {uploader_id: state})


async def upload_session(url: str, index: int, content: bytes, timeout_s: float) -> Outcome:
    """Upload a file on the Data page, open its clusters, then change k once."""
    client = Client(url, timeout_s, page_name=DATA_PAGE)
    try:
        await client.connect()
        await client.rerun("data page")
        await upload_file(client, f"places_{index}.csv", content)
        run = await client.open_page("clusters", CLUSTERS_PAGE)
        if MAP_ELEMENT not in run.elements or not run.says(f"places_{index}.csv"):
            raise StepError("clusters: no map of the uploaded file")
        if any(NOT_HELD in w for w in run.warnings):
            raise StepError("clusters: the file is no longer held")
        widget_id, proto = client.widget(K_KEY, "slider")
        k = 2 if slider_value(proto) != 2 else 3
        run = await client.rerun("upload k", {widget_id: slider_state(widget_id, k)})
        if MAP_ELEMENT not in run.elements or any(NOT_HELD in w for w in run.warnings):
            raise StepError("upload k: the file is no longer shown after a k change")
        return Outcome(True, client.settles)
    except (StepError, OSError, TimeoutError) as error:
        return Outcome(False, client.settles, f"upload session {index}: {error}")
    finally:
        await client.close()


def places_csv(n_rows: int, seed: int) -> bytes:
    """A CSV of places around the Alps: name, coordinates (6 decimals), three numbers."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "name": [f"p{seed}-{i:07d}" for i in range(n_rows)],
            "latitude": np.round(rng.normal(45.5, 1.0, n_rows), 6),
            "longitude": np.round(rng.normal(5.9, 1.2, n_rows), 6),
            "price": np.round(rng.lognormal(7, 0.5, n_rows), 1),
            "area": np.round(rng.lognormal(4, 0.4, n_rows), 1),
            "rooms": rng.integers(1, 8, n_rows),
        }
    )
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    return buffer.getvalue().encode("utf-8")


# ------------------------------------------------------------------------------ phases


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


async def run_phase(tasks: list[asyncio.Task[Outcome]]) -> list[Outcome]:
    return list(await asyncio.gather(*tasks))


@contextmanager
def streamlit_server(extra_env: dict[str, str]) -> Iterator[harness.StreamlitServer]:
    server = harness.start_streamlit("serve.py", extra_env=extra_env)
    try:
        yield server
    finally:
        harness.stop_streamlit(server)


def describe(outcomes: list[Outcome]) -> str:
    by_step: dict[str, list[float]] = {}
    for outcome in outcomes:
        for step, seconds in outcome.settles:
            by_step.setdefault(step, []).append(seconds)
    return "; ".join(
        f"{step}: n={len(times)} p50={percentile(times, 50):.2f} s "
        f"p95={percentile(times, 95):.2f} s max={max(times):.2f} s"
        for step, times in by_step.items()
    )


async def wait_after(sampler: RssSampler, seconds: float, label: str) -> float:
    """Wait ``seconds`` after the sessions closed; print the RSS every 10 s; return the last."""
    start = time.monotonic()
    while (left := seconds - (time.monotonic() - start)) > 0:
        await asyncio.sleep(min(10.0, left))
        now = rss_mb(sampler.pid) or 0.0
        print(f"  {label}: {time.monotonic() - start:4.0f} s after close, RSS {now:.0f} MB")
    return rss_mb(sampler.pid) or 0.0


async def benchmark(args: argparse.Namespace) -> str:
    extra_env = {"GEOCLUSTER_SESSION_GRACE_S": str(args.grace_s)} if args.grace_s >= 0 else {}
    if args.malloc_arena_max > 0:
        extra_env["MALLOC_ARENA_MAX"] = str(args.malloc_arena_max)
        print(f"server started with MALLOC_ARENA_MAX={args.malloc_arena_max}")
    with streamlit_server(extra_env) as server, RssSampler(server.process.pid) as sampler:
        print(f"server {server.url} pid {server.process.pid}; load average {_load()}")
        rss_before = sampler.reset()
        print(
            f"phase 1: {args.users} sessions on the Clusters page; RSS before {rss_before:.0f} MB"
        )
        started = time.monotonic()
        tasks = [
            asyncio.create_task(
                clusters_session(server.url, i, args.ramp_s * i / args.users, args.timeout_s)
            )
            for i in range(args.users)
        ]
        outcomes = await run_phase(tasks)
        rss_peak = sampler.peak
        ok = sum(outcome.ok for outcome in outcomes)
        settles = [seconds for outcome in outcomes for _, seconds in outcome.settles]
        print(f"  {ok}/{args.users} sessions OK in {time.monotonic() - started:.1f} s")
        for outcome in outcomes:
            if not outcome.ok:
                print(f"  FAILED {outcome.error}")
        print(f"  settle times: {describe(outcomes)}")
        print(
            f"  all steps: p50 {percentile(settles, 50):.2f} s, p95 {percentile(settles, 95):.2f}"
            f" s; RSS peak {rss_peak:.0f} MB"
        )
        rss_after = await wait_after(sampler, args.after_s, "phase 1")

        rounds: list[tuple[float, float, float]] = []  # before, peak, after per round
        for round_index in range(args.upload_rounds):
            seeds = [11 + 3 * round_index + i for i in range(3)]
            print(
                f"phase 2, round {round_index + 1}: three sessions upload "
                f"{args.rows:,}-row files at once"
            )
            files = [places_csv(args.rows, seed) for seed in seeds]
            print(f"  files of {', '.join(f'{len(f) / MB:.1f}' for f in files)} MB")
            upload_before = sampler.reset()
            started = time.monotonic()
            uploads = await run_phase(
                [
                    asyncio.create_task(
                        upload_session(server.url, i, content, args.upload_timeout_s)
                    )
                    for i, content in enumerate(files)
                ]
            )
            upload_peak = sampler.peak
            upload_ok = sum(outcome.ok for outcome in uploads)
            print(
                f"  {upload_ok}/3 upload sessions OK in {time.monotonic() - started:.1f} s; RSS "
                f"before {upload_before:.0f} MB, peak {upload_peak:.0f} MB"
            )
            for outcome in uploads:
                if not outcome.ok:
                    print(f"  FAILED {outcome.error}")
            print(f"  settle times: {describe(uploads)}")
            del files
            upload_after = await wait_after(sampler, args.after_s, "phase 2")
            rounds.append((upload_before, upload_peak, upload_after))
        if len(rounds) > 1:
            print(
                "upload rounds: "
                + "; ".join(
                    f"round {i + 1} before {b:.0f} MB peak {p:.0f} MB after {a:.0f} MB"
                    for i, (b, p, a) in enumerate(rounds)
                )
            )
        upload_before, upload_peak, upload_after = rounds[0]
        print(f"load average {_load()}")
    return (
        f"load users={args.users} ok={ok} p95_s={percentile(settles, 95):.2f} "
        f"rss_peak_mb={rss_peak:.0f} rss_after_mb={rss_after:.0f} "
        f"upload3_rss_peak_mb={upload_peak:.0f} upload3_rss_after_mb={upload_after:.0f}"
    )


# ------------------------------------------------------------------------------ churn


@dataclass(frozen=True)
class Setting:
    """One setting of the Clusters page, as its widgets show it (option labels)."""

    features: tuple[str, ...]
    scaler: str
    seed: int
    k: int

    def describe(self) -> str:
        scaler = self.scaler.split(" (")[0]
        last = self.features[-1]
        return f"k={self.k} seed={self.seed} {scaler}, {len(self.features)} features (..{last})"

    def check_shown(self, client: Client) -> None:
        """Fail unless the page shows this setting's k and features (the change was taken)."""
        _, slider = client.widget(K_KEY, "slider")
        _, features = client.widget(FEATURES_KEY, "multiselect")
        if slider_value(slider) != self.k or tuple(shown_options(features)) != self.features:
            raise StepError(
                f"the page shows k={slider_value(slider)} and {shown_options(features)}, "
                f"not {self.describe()}"
            )

    def states(self, client: Client) -> dict[str, WidgetState]:
        """The widget states that set this setting on the page ``client`` shows."""
        k_id, _ = client.widget(K_KEY, "slider")
        features_id, _ = client.widget(FEATURES_KEY, "multiselect")
        scaler_id, _ = client.widget(SCALER_KEY, "selectbox")
        seed_id, _ = client.widget(SEED_KEY, "number_input")
        features = WidgetState(id=features_id)
        features.string_array_value.data.extend(self.features)
        scaler = WidgetState(id=scaler_id)
        scaler.string_value = self.scaler
        seed = WidgetState(id=seed_id)
        seed.int_value = self.seed
        return {
            k_id: slider_state(k_id, self.k),
            features_id: features,
            scaler_id: scaler,
            seed_id: seed,
        }


def churn_settings(client: Client, n_settings: int) -> list[Setting]:
    """``n_settings`` distinct settings of the page ``client`` shows, none the one shown.

    Setting ``j`` (from 1) takes feature set ``j mod V`` (the features shown, then those
    plus one more option each) and scaler ``j mod S`` of the page's options, seed
    ``3 * (j // lcm(V, S)) + j mod 3`` and a k spread over the slider's range: no two
    share their features, scaler and seed, so every one is a model not fitted before
    (j = 0 would be the page's defaults).
    """
    _, features = client.widget(FEATURES_KEY, "multiselect")
    _, scaler = client.widget(SCALER_KEY, "selectbox")
    _, slider = client.widget(K_KEY, "slider")
    shown = tuple(shown_options(features))
    variants = [shown] + [(*shown, extra) for extra in features.options if extra not in shown]
    scalers = list(scaler.options)
    period = math.lcm(len(variants), len(scalers))
    low, high = int(slider.min), int(slider.max)
    return [
        Setting(
            features=variants[j % len(variants)],
            scaler=scalers[j % len(scalers)],
            seed=3 * (j // period) + j % 3,
            k=low + (5 * j) % (high - low + 1),
        )
        for j in range(1, n_settings + 1)
    ]


@dataclass(frozen=True)
class Visit:
    """One settings change: when it started and ended (``time.monotonic()``), its settle."""

    started: float
    ended: float
    settle_s: float
    rss_mb: float


async def churn_pass(client: Client, settings: list[Setting], label: str, pid: int) -> list[Visit]:
    """Change the page to every setting in turn, each time until its run is settled."""
    visits = []
    for index, setting in enumerate(settings):
        started = time.monotonic()
        polls = client.polls
        await client.settle(label, setting.states(client))
        visit = Visit(started, time.monotonic(), client.settles[-1][1], rss_mb(pid) or 0.0)
        setting.check_shown(client)
        visits.append(visit)
        print(
            f"  {label} {index + 1:2d}/{len(settings)}: {setting.describe()}: "
            f"{visit.settle_s:.2f} s ({client.polls - polls} polls), RSS {visit.rss_mb:.0f} MB"
        )
    return visits


async def churn(args: argparse.Namespace) -> str:
    """One session cycles the Clusters page through ``args.settings`` settings, twice."""
    extra_env = {"MALLOC_ARENA_MAX": str(args.malloc_arena_max)} if args.malloc_arena_max else {}
    with streamlit_server(extra_env) as server, RssSampler(server.process.pid) as sampler:
        pid = server.process.pid
        print(f"server {server.url} pid {pid}; load average {_load()}")
        client = Client(server.url, args.timeout_s)
        try:
            await client.connect()
            sampler.reset()
            await client.settle("open")
            print(
                f"churn: Clusters page settled in {client.settles[-1][1]:.2f} s; "
                f"RSS {rss_mb(pid) or 0.0:.0f} MB"
            )
            settings = churn_settings(client, args.settings)
            first = await churn_pass(client, settings, "first visit", pid)
            second = await churn_pass(client, settings, "revisit", pid)
        finally:
            await client.close()
        # The last quarter of the first pass: where a bounded cache has stopped growing.
        last = first[-math.ceil(len(first) / 4) :]
        window = sampler.between(last[0].started, last[-1].ended) or [v.rss_mb for v in last]
        plateau = statistics.median(window)
        peak = max(sampler.peak, plateau, *(visit.rss_mb for visit in first + second))
        print(
            f"  RSS over the last {len(last)} first visits: median {plateau:.0f} MB, "
            f"{min(window):.0f} to {max(window):.0f} MB ({len(window)} samples); "
            f"peak {peak:.0f} MB; after the revisits {second[-1].rss_mb:.0f} MB"
        )
        print(f"load average {_load()}")
    first_s = statistics.median(visit.settle_s for visit in first)
    again_s = statistics.median(visit.settle_s for visit in second)
    print(
        f"  settle: first visits median {first_s:.2f} s (max "
        f"{max(v.settle_s for v in first):.2f}), revisits median {again_s:.2f} s (max "
        f"{max(v.settle_s for v in second):.2f})"
    )
    return (
        f"churn settings={len(settings)} rss_plateau_mb={plateau:.1f} rss_peak_mb={peak:.1f} "
        f"first_visit_s={first_s:.3f} revisit_s={again_s:.3f}"
    )


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50, help="concurrent sessions (50)")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows per upload (1M)")
    parser.add_argument("--ramp-s", type=float, default=5.0, help="start sessions over (5 s)")
    parser.add_argument("--after-s", type=float, default=60.0, help="wait after a phase (60 s)")
    parser.add_argument("--timeout-s", type=float, default=300.0, help="per step (300 s)")
    parser.add_argument(
        "--upload-timeout-s", type=float, default=900.0, help="per upload step (900 s)"
    )
    parser.add_argument(
        "--upload-rounds",
        type=int,
        default=1,
        help="rounds of three uploads (a second shows whether memory keeps growing)",
    )
    parser.add_argument(
        "--grace-s",
        type=float,
        default=-1.0,
        help="the server's GEOCLUSTER_SESSION_GRACE_S (default: the app's own, 30 s)",
    )
    parser.add_argument(
        "--malloc-arena-max",
        type=int,
        default=0,
        help="start the server with MALLOC_ARENA_MAX set to this (0: glibc's default)",
    )
    parser.add_argument(
        "--churn",
        action="store_true",
        help="instead: one session cycles the Clusters page through --settings settings, twice",
    )
    parser.add_argument(
        "--settings",
        type=int,
        default=CHURN_SETTINGS,
        help=f"distinct settings of --churn ({CHURN_SETTINGS})",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke test: 4 sessions, 20,000-row files, grace 5 s, 10 s waits; "
        f"with --churn, {QUICK_CHURN_SETTINGS} settings",
    )
    args = parser.parse_args()
    if args.quick:
        args.users, args.rows, args.after_s, args.ramp_s, args.grace_s = 4, 20_000, 10.0, 1.0, 5
        args.timeout_s, args.upload_timeout_s = 180.0, 300.0
        args.settings = QUICK_CHURN_SETTINGS
    if args.users < 1 or args.rows < 100 or args.upload_rounds < 1 or args.settings < 1:
        parser.error("--users, --upload-rounds and --settings must be >= 1, --rows >= 100")
    try:
        line = asyncio.run(churn(args) if args.churn else benchmark(args))
    except StepError as error:  # churn: one session, so its first failure ends the run
        print(f"FAILED {error}")
        raise SystemExit(1) from error
    print(line)


if __name__ == "__main__":
    main()
