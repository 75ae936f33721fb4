"""Time the Clusters page and a naive app in a real browser, in one run, and their ratios.

Run from the project root (Debian's chromium at /usr/bin/chromium):

    python benchmarks/browser.py            # the full run
    python benchmarks/browser.py --quick    # a smoke test (fewer samples)

Two pages are measured the same way, each on Streamlit servers of its own started
fresh for it (``streamlit run`` on a free 127.0.0.1 port, the shared data set, no
downloads, exactly as tests/e2e does): the app's Clusters page (``app.py``) and
benchmarks/naive_app.py (a tutorial-style page: KMeans refitted on every rerun, every
row sent to pydeck, ``px.box``). Both run with the project's .streamlit/config.toml, so
the ratios compare the pages, not server settings. Headless chromium is driven with
Playwright. Every time is measured inside the page, from the ``keydown`` /
``pointerdown`` of the user's action (``performance.now()`` in a capturing listener),
or from navigation start for a load, to the first animation frame at which the page is
drawn for the new state:

- the app: ``app_page.DRAWN_FOR_K_JS`` -- the script run after the action finished,
  connected, no skeleton or running icon, the map canvas exists, the box plot has one
  box per cluster, the legend table has k rows, and the map rows a change asked for
  (fetched by URL) are loaded and parsed (``MAP_ROWS_TRACKER_JS``);
- the naive page: the script run after the action finished, connected, no skeleton or
  running icon, the map canvas exists, and its box plot has k boxes;
- on both, the map too (``MAP_DRAWN_JS``): deck.gl has drawn on its canvas after the
  last websocket message carrying a new deck arrived (a rerun may resend the same deck,
  byte for byte, which deck.gl does not redraw), and an animation frame followed
  that draw (``DECK_GL_TRACKER_JS`` wraps the WebGL draw calls of deck.gl's canvas).

Measurements, the same for both pages:

- first load (``first_load_ms``): a new server process and a fresh browser context
  (empty HTTP cache), navigation start to drawn; median over ``--loads`` servers per
  page, app and naive alternating. The server computes its first k-sweep / elbow then.
- cold paint (``cold_paint_ms``, the app only): the first load on the run's first app
  server, from navigation start until the map and the box plot for the default k are
  drawn, whether or not the script is still running (``PAINTED_JS``). With
  ``--numba-cache empty`` (the default) that server's NUMBA_CACHE_DIR is an empty
  temporary folder, as on a fresh clone; the app's later servers reuse that folder,
  so their numba cache is warm. ``--numba-cache as-is`` leaves the environment alone.
  Map row files already in static/ are reused (writing them is cheap).
- first load on a warm server: fresh contexts on the interaction server (printed only).
- first paint (``first_paint_ms``, the app only): on the same new servers as its first
  loads, navigation start until the map and the box plot for the default k are drawn
  (``PAINTED_JS``), while the elbow chart's scores may still be on their way;
  ``paint_ratio`` is it against the naive page's first load (which paints everything at
  once, when its script ends).
- server ready (``server_ready_s``, ``naive_server_ready_s``): seconds from starting a
  server to its health check answering, median over the servers of each page. The
  app's ``serve.py`` imports and builds its default page before it answers; a first load
  starts after that, so the two are printed together.
- the floor (``hello_first_load_ms``): benchmarks/hello_page.py, a page that writes one
  line, on a new server and in a fresh context, ``--loads`` times: Streamlit's own server
  start and JavaScript, which no page can go below. ``cold_paint_over_hello_ms`` is the
  cold paint above it, ``load_ratio_over_hello`` the app's first load above it against
  the naive page's.
- k change: ArrowRight / ArrowLeft on the focused k slider, ``--repeats`` times (k 5 ->
  12 -> 4); for the app, k's new to the server (map, legend and box plot built) and k's
  shown before (cached) are printed apart.
- feature change: add one feature to the default three through the multiselect, then
  remove it, then add and remove it again. The first add is "cold" (the app computes
  the k-sweep, the naive page its elbow); the three others are "cached".
- bytes per k change: the websocket frames the page receives between input and drawn.

For each kind of change it prints where the time went: the server's share (``server``:
from the websocket frame carrying the change leaving the browser to the server's
"script finished" frame arriving, time-stamped by the browser's network stack through
the DevTools protocol), how long the main thread was blocked by long tasks (``main
thread``), and the WebGL draw (``WebGL``: for each deck.gl render after the input,
from its first draw call to the next animation frame, summed; chromium draws WebGL in
software here, and the next frame waits for it). The machine's load average is printed
first and last: other agents may share the CPUs.

The last line is machine-readable:

    browser k_change_ms=<ms> naive_k_change_ms=<ms> k_ratio=<x> first_load_ms=<ms>
        naive_first_load_ms=<ms> load_ratio=<x> cold_paint_ms=<ms>

(one line, wrapped here).

``k_ratio`` = naive / app k change (higher is better for the app; the issue asks >= 3);
``load_ratio`` = app / naive first load (lower is better for the app; asked <= 0.8).
The line before it gives the floor, the feature changes (with and without the WebGL draw),
bytes, the WebGL draw and the k ratio without it.
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT / "tests" / "e2e"))

import app_page  # noqa: E402 -- lives in tests/e2e, shared with the browser tests
import harness  # noqa: E402
from playwright.sync_api import Browser, Page, WebSocket, sync_playwright  # noqa: E402

# Records the time of the user's last input and the page's long tasks.
PAGE_CLOCK_SCRIPT = """
(() => {
  window.__actionAt = null;
  window.__longTasks = [];
  const stamp = () => { window.__actionAt = performance.now(); };
  window.addEventListener("keydown", stamp, true);
  window.addEventListener("pointerdown", stamp, true);
  new PerformanceObserver((list) => {
    for (const task of list.getEntries()) window.__longTasks.push([task.startTime, task.duration]);
  }).observe({entryTypes: ["longtask"]});
})();
"""

# Records deck.gl's renders and when the deck last came over the websocket, so that
# "drawn" can include the map's pixels and the WebGL draw can be reported apart.
# A render is the set of draw calls on deck.gl's canvas within one animation frame
# (document.timeline.currentTime is the frame's time inside rAF callbacks); it is done
# at the next frame, which in software-rendered chromium waits for the rasterisation.
# The deck's messages are found by the layer type in the ForwardMsg bytes (the deck's
# JSON is a plain string in the protobuf); both pages draw a ScatterplotLayer.
DECK_GL_TRACKER_JS = """
(() => {
  const deck = {renders: [], deckMessages: 0, lastDeckMessageAt: -1};
  window.__deckGl = deck;
  const onDeckCanvas = (context) => context.canvas && context.canvas.id === "deckgl-overlay";
  const noteDraw = (context) => {
    if (!onDeckCanvas(context)) return;
    const frame = document.timeline.currentTime;
    const last = deck.renders[deck.renders.length - 1];
    if (!last || last.frame !== frame) {
      deck.renders.push({frame, start: performance.now(), doneAt: null});
    }
  };
  const DRAWS = ["drawArrays", "drawElements", "drawArraysInstanced",
    "drawElementsInstanced", "drawRangeElements"];
  for (const type of [window.WebGLRenderingContext, window.WebGL2RenderingContext]) {
    if (!type) continue;
    for (const name of DRAWS) {
      const original = type.prototype[name];
      if (typeof original !== "function") continue;
      type.prototype[name] = function () {
        noteDraw(this);
        return original.apply(this, arguments);
      };
    }
  }
  const tick = (frame) => {
    const now = performance.now();
    for (let i = deck.renders.length - 1; i >= 0 && deck.renders[i].doneAt === null; i--) {
      // Frames are >= ~16 ms apart: 1 ms absorbs rounding between the two clocks.
      if (frame - deck.renders[i].frame > 1) deck.renders[i].doneAt = now;
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  const PATTERN = new TextEncoder().encode("ScatterplotLayer");
  const carriesDeck = (bytes) => {
    for (let at = bytes.indexOf(PATTERN[0]); at !== -1 && at <= bytes.length - PATTERN.length;
         at = bytes.indexOf(PATTERN[0], at + 1)) {
      let matched = 1;
      while (matched < PATTERN.length && bytes[at + matched] === PATTERN[matched]) matched++;
      if (matched === PATTERN.length) return true;
    }
    return false;
  };
  // A rerun that changes nothing on the map (e.g. the one that draws the elbow's scores)
  // sends the same deck again, byte for byte, and deck.gl has nothing to redraw: only a
  // deck that differs from the one before is waited for.
  let previousDeck = new Uint8Array(0);
  const sameAsPrevious = (bytes) =>
    bytes.length === previousDeck.length && bytes.every((byte, i) => byte === previousDeck[i]);
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class DeckWatchingWebSocket extends NativeWebSocket {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (event) => {
        if (!(event.data instanceof ArrayBuffer)) return;
        const bytes = new Uint8Array(event.data);
        if (!carriesDeck(bytes) || sameAsPrevious(bytes)) return;
        previousDeck = bytes;
        deck.deckMessages += 1;
        deck.lastDeckMessageAt = performance.now();
      });
    }
  };
})();
"""

# The map shows the last deck the server sent: deck.gl drew after it arrived, and a
# frame has followed that draw.
MAP_DRAWN_JS = """
() => {
  const deck = window.__deckGl;
  if (!deck || deck.lastDeckMessageAt < 0) return false;
  const last = deck.renders[deck.renders.length - 1];
  return Boolean(last && last.start >= deck.lastDeckMessageAt && last.doneAt !== null);
}
"""

# The naive page is drawn for k: its script run after the action finished, the page is
# idle, the map canvas exists and the box plot has k boxes (px.box with colour = cluster
# draws one box trace per cluster).
NAIVE_DRAWN_FOR_K_JS = """
([runsBefore, k]) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || !window.__e2eRuns || window.__e2eRuns.finished <= runsBefore) return false;
  if (app.getAttribute("data-test-script-state") !== "notRunning") return false;
  if (app.getAttribute("data-test-connection-state") !== "CONNECTED") return false;
  if (document.querySelector('[data-testid="stSkeleton"]')) return false;
  if (document.querySelector('[data-testid="stStatusWidgetRunningIcon"]')) return false;
  if (!document.querySelector('[data-testid="stDeckGlJsonChart"] canvas')) return false;
  return document.querySelectorAll('g.trace.boxes').length === k;
}
"""

# The one-line page (benchmarks/hello_page.py) is drawn: its run finished and its text is
# on the screen. Returns performance.now() then.
HELLO_DRAWN_JS = """
() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || !window.__e2eRuns || window.__e2eRuns.finished < 1) return false;
  if (app.getAttribute("data-test-script-state") !== "notRunning") return false;
  if (app.getAttribute("data-test-connection-state") !== "CONNECTED") return false;
  const text = document.querySelector('[data-testid="stMarkdownContainer"]');
  return text && text.textContent.includes("Hello") ? performance.now() : false;
}
"""

# The map and the box plot of the default k are on the screen (a script run may still
# go on behind them): what a visitor sees first. The map's rows, when fetched by URL,
# must be parsed.
PAINTED_JS = f"""
([k, boxSelector]) => {{
  if (!document.querySelector('[data-testid="stDeckGlJsonChart"] canvas')) return false;
  if (document.querySelectorAll(boxSelector).length !== k) return false;
  const rows = window.__mapRows;
  if (rows && (rows.inFlight > 0 || rows.unparsed > 0 || rows.framesSinceParse < 2)) {{
    return false;
  }}
  return ({MAP_DRAWN_JS})() ? performance.now() : false;
}}
"""


@dataclass(frozen=True)
class Target:
    """One page under test and how to tell that it is drawn."""

    name: str
    script: str  # relative to the project root
    drawn_js: str  # ([runsBefore, k, parsesBefore]) -> truthy when the page is drawn
    box_selector: str
    feature_options: tuple[str, ...]  # added one at a time in the feature change
    rows_by_url: bool  # the map's rows are fetched by URL (the app), not in the deck

    def drawn_for_k_js(self) -> str:
        """The page's condition and the map's, returning performance.now() when both hold."""
        return f"""
        (args) => {{
          if (!({self.drawn_js})(args)) return false;
          return ({MAP_DRAWN_JS})() ? performance.now() : false;
        }}
        """


APP = Target(
    name="app",
    script="serve.py",
    drawn_js=app_page.DRAWN_FOR_K_JS,
    box_selector=f"{app_page.BOX_PLOT} g.trace.boxes",
    feature_options=(
        "Median income",
        "Median house age",
        "Rooms per household",
        "Population",
        "Households",
    ),
    rows_by_url=True,
)
NAIVE = Target(
    name="naive",
    script="benchmarks/naive_app.py",
    drawn_js=NAIVE_DRAWN_FOR_K_JS,
    box_selector="g.trace.boxes",
    # The naive page lists raw column names; the closest to the app's five.
    feature_options=(
        "median_income",
        "housing_median_age",
        "total_rooms",
        "population",
        "households",
    ),
    rows_by_url=False,
)
HELLO = Target(
    name="hello",
    script="benchmarks/hello_page.py",
    drawn_js=HELLO_DRAWN_JS,
    box_selector="",
    feature_options=(),
    rows_by_url=False,
)


@dataclass
class FrameMeter:
    """Sizes of the websocket frames a page receives."""

    sizes: list[int] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        """Count every frame the page's websockets receive."""
        page.on("websocket", self._on_websocket)

    def _on_websocket(self, socket: WebSocket) -> None:
        socket.on("framereceived", lambda payload: self.sizes.append(len(payload)))

    def mark(self) -> int:
        """Position to measure from."""
        return len(self.sizes)

    def since(self, mark: int) -> list[int]:
        """Sizes of the frames received after ``mark``."""
        return self.sizes[mark:]


def script_finished_status(message: bytes) -> int | None:
    """The script_finished status (field 6, a varint) of a ForwardMsg, or None."""
    at = 0

    def varint() -> int:
        nonlocal at
        value, shift = 0, 0
        while True:
            byte = message[at]
            at += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return value

    while at < len(message):
        key = varint()
        field_number, wire_type = key >> 3, key & 7
        if wire_type == 0:
            value = varint()
            if field_number == 6:
                return value
        elif wire_type == 2:
            length = varint()  # read first: varint() moves ``at``
            at += length
        elif wire_type == 1:
            at += 8
        elif wire_type == 5:
            at += 4
        else:
            return None
    return None


@dataclass
class NetworkClock:
    """Network-level times of the page's websocket frames (Chrome DevTools Protocol).

    Frames are time-stamped by the browser's network stack, not the page's main thread,
    so the server's share of a change (from the page sending the widget change to the
    server's "script finished" message arriving) is measured even while the main thread
    is busy.
    """

    sent: list[float] = field(default_factory=list)  # seconds, monotonic
    finished: list[float] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        """Listen to the page's websocket frames through a CDP session."""
        session = page.context.new_cdp_session(page)
        session.on("Network.webSocketFrameSent", self._on_sent)
        session.on("Network.webSocketFrameReceived", self._on_received)
        session.send("Network.enable")

    def _on_sent(self, event: dict) -> None:
        self.sent.append(float(event["timestamp"]))

    def _on_received(self, event: dict) -> None:
        response = event["response"]
        if response.get("opcode") != 2:  # binary frames carry the ForwardMsgs
            return
        status = script_finished_status(base64.b64decode(response["payloadData"]))
        if status in (0, 3):
            self.finished.append(float(event["timestamp"]))

    def server_ms(self, sent_before: int) -> float:
        """ms from the first frame sent after ``sent_before`` to the next script finish."""
        start = self.sent[sent_before]
        return 1000 * (min(t for t in self.finished if t >= start) - start)


@dataclass(frozen=True)
class Sample:
    """One timed change."""

    total_ms: float  # input event to drawn
    server_ms: float  # change sent to the server's "script finished" received (network)
    blocked_ms: float  # long tasks on the main thread between input and drawn
    gl_ms: float  # deck.gl renders after the input: first draw call to the next frame
    frames: tuple[int, ...]  # websocket frames received (bytes each)


@dataclass
class Session:
    """A page of one target with its meters."""

    target: Target
    page: Page
    meter: FrameMeter
    clock: NetworkClock
    timeout_ms: int  # for each load or change to be drawn


def _drawn_at(
    session: Session, runs_before: int, k: int, parses_before: int | None = None
) -> float:
    """performance.now() of the first frame at which the page is drawn for k.

    With ``parses_before`` (the map-row parses counted before the action; the app only)
    the map must also have loaded and drawn new rows since.
    """
    handle = session.page.wait_for_function(
        session.target.drawn_for_k_js(),
        arg=[runs_before, k, parses_before if session.target.rows_by_url else None],
        polling="raf",
        timeout=session.timeout_ms,
    )
    return float(handle.json_value())


def _new_session(browser: Browser, target: Target, timeout_ms: int) -> Session:
    context = harness.new_offline_context(browser)
    page = context.new_page()
    harness.install_run_counter(page)
    page.add_init_script(PAGE_CLOCK_SCRIPT)
    page.add_init_script(app_page.MAP_ROWS_TRACKER_JS)
    page.add_init_script(DECK_GL_TRACKER_JS)
    meter = FrameMeter()
    meter.attach(page)
    clock = NetworkClock()
    clock.attach(page)
    return Session(target, page, meter, clock, timeout_ms)


def _blocked_ms(page: Page, since_ms: float, until_ms: float) -> float:
    tasks = page.evaluate("() => window.__longTasks")
    return sum(duration for start, duration in tasks if since_ms <= start <= until_ms)


def _gl_ms(page: Page, since_ms: float, until_ms: float) -> float:
    renders = page.evaluate("() => window.__deckGl.renders")
    return sum(
        r["doneAt"] - r["start"]
        for r in renders
        if r["doneAt"] is not None and since_ms <= r["start"] <= until_ms
    )


def load_and_time(session: Session, url: str, *, paint: bool = False) -> tuple[Sample, float]:
    """Open ``url`` in the session's fresh page: (navigation start to drawn, painted ms).

    ``paint``: also time when the map and the box plot were first on the screen
    (PAINTED_JS, polled per frame from the start); else the painted time is NaN.
    """
    page, target = session.page, session.target
    page.goto(url, wait_until="commit", timeout=session.timeout_ms)
    painted = float("nan")
    if paint:
        handle = page.wait_for_function(
            PAINTED_JS,
            arg=[app_page.DEFAULT_K, target.box_selector],
            polling="raf",
            timeout=session.timeout_ms,
        )
        painted = float(handle.json_value())
    # The app's map rows come by a fetch of their own: drawn includes them.
    drawn = _drawn_at(session, 0, app_page.DEFAULT_K, parses_before=0)
    # performance.now() counts from the navigation start; the server's part is from
    # the session's first message (after the page's scripts loaded) to its finish.
    sample = Sample(
        total_ms=drawn,
        server_ms=session.clock.server_ms(0),
        blocked_ms=_blocked_ms(page, 0, drawn),
        gl_ms=_gl_ms(page, 0, drawn),
        frames=tuple(session.meter.since(0)),
    )
    return sample, painted


def time_fresh_context_load(browser: Browser, target: Target, url: str, timeout_ms: int) -> Sample:
    """Navigation start to drawn, in a fresh context (empty HTTP cache)."""
    session = _new_session(browser, target, timeout_ms)
    try:
        return load_and_time(session, url)[0]
    finally:
        session.page.context.close()


def time_action(
    session: Session, action: Callable[[], object], k: int, *, new_rows: bool = False
) -> Sample:
    """Run ``action`` and time it from its last input event to drawn for ``k``.

    ``new_rows``: the action changes the map's rows (a feature change), so drawn also
    means the new rows were fetched, parsed and drawn (the app; the naive page sends
    them in the deck, which MAP_DRAWN_JS covers).
    """
    page = session.page
    # The app's page polls for its background scores after a model change; an action
    # starts once they are drawn (the polling runs would count as finished runs).
    app_page.wait_for_scores(page)
    runs_before = harness.finished_runs(page)
    mark = session.meter.mark()
    sent_before = len(session.clock.sent)
    page.evaluate("() => { window.__actionAt = null; }")
    parses_before = page.evaluate("() => window.__mapRows.parses") if new_rows else None
    action()
    drawn = _drawn_at(session, runs_before, k, parses_before)
    acted = page.evaluate("() => window.__actionAt")
    if acted is None:
        raise RuntimeError("The action fired no keydown or pointerdown in the page.")
    return Sample(
        total_ms=drawn - acted,
        server_ms=session.clock.server_ms(sent_before),
        blocked_ms=_blocked_ms(page, acted, drawn),
        gl_ms=_gl_ms(page, acted, drawn),
        frames=tuple(session.meter.since(mark)),
    )


def time_k_changes(session: Session, repeats: int) -> tuple[list[Sample], list[bool]]:
    """Press ArrowRight 7 times, then ArrowLeft; ``repeats`` presses in all.

    Returns the samples and whether each k was new to the server (its map, legend
    and box plot built for the first time).
    """
    page = session.page
    samples: list[Sample] = []
    first_visits: list[bool] = []
    k = app_page.slider_k(page)
    seen = {k}
    for press in range(repeats):
        key = "ArrowRight" if press < 7 else "ArrowLeft"
        k += 1 if key == "ArrowRight" else -1
        samples.append(time_action(session, partial(app_page.press_k_key, page, key), k))
        first_visits.append(k not in seen)
        seen.add(k)
    return samples, first_visits


def time_feature_changes(session: Session, count: int) -> tuple[list[Sample], list[Sample]]:
    """Add and remove each of the first ``count`` options twice; (cold, cached) samples."""
    page = session.page
    cold: list[Sample] = []
    cached: list[Sample] = []
    k = app_page.slider_k(page)
    combobox = page.get_by_role("combobox", name=app_page.FEATURES_LABEL)
    for label in session.target.feature_options[:count]:
        for step, is_cold in (("add", True), ("remove", False), ("add", False), ("remove", False)):
            if step == "add":
                # Typing filters the open list; the option's pointerdown is the timed input.
                combobox.click()
                combobox.fill(label)
                option = page.get_by_role("option", name=label, exact=True)
                sample = time_action(session, option.click, k, new_rows=True)
                app_page.close_dropdowns(page)
            else:
                sample = time_action(
                    session, partial(app_page.remove_feature, page, label), k, new_rows=True
                )
            (cold if is_cold else cached).append(sample)
    return cold, cached


def _median(values: list[float]) -> float:
    return float(statistics.median(values))


def describe(name: str, samples: list[Sample]) -> str:
    """One line: median total, server, blocked and WebGL times, and the samples."""
    totals = [round(s.total_ms) for s in samples]
    return (
        f"{name}: median {_median([s.total_ms for s in samples]):.0f} ms "
        f"(server {_median([s.server_ms for s in samples]):.0f} ms, main thread "
        f"blocked {_median([s.blocked_ms for s in samples]):.0f} ms, WebGL "
        f"{_median([s.gl_ms for s in samples]):.0f} ms); all: {totals}"
    )


# Seconds from starting each server to its health check answering, by target: what a
# server does before it takes requests (serve.py's warm start) is not in a first load.
SERVER_READY_S: dict[str, list[float]] = {}


@dataclass
class Results:
    """What one target's runs measured."""

    first_loads: list[Sample] = field(default_factory=list)  # one per new server
    warm_loads: list[Sample] = field(default_factory=list)
    k_changes: list[Sample] = field(default_factory=list)
    k_first_visits: list[bool] = field(default_factory=list)
    feature_cold: list[Sample] = field(default_factory=list)
    feature_cached: list[Sample] = field(default_factory=list)


def on_new_server(
    browser: Browser,
    target: Target,
    extra_env: dict[str, str],
    timeout_ms: int,
    *,
    paint: bool = False,
    then: Callable[[Session, str], None] | None = None,
) -> tuple[Sample, float]:
    """Start a server for ``target``, time its first load, run ``then``, stop it."""
    started = time.monotonic()
    server = harness.start_streamlit(target.script, extra_env=extra_env)
    SERVER_READY_S.setdefault(target.name, []).append(time.monotonic() - started)
    try:
        session = _new_session(browser, target, timeout_ms)
        try:
            sample, painted = load_and_time(session, server.url, paint=paint)
            if then is not None:
                then(session, server.url)
        finally:
            session.page.context.close()
    finally:
        harness.stop_streamlit(server)
    return sample, painted


def time_hello_first_load(browser: Browser, timeout_ms: int) -> Sample:
    """First load of the one-line page on a new server: the floor of any page's first load."""
    started = time.monotonic()
    server = harness.start_streamlit(HELLO.script, extra_env={})
    SERVER_READY_S.setdefault(HELLO.name, []).append(time.monotonic() - started)
    try:
        session = _new_session(browser, HELLO, timeout_ms)
        try:
            page = session.page
            page.goto(server.url, wait_until="commit", timeout=timeout_ms)
            handle = page.wait_for_function(HELLO_DRAWN_JS, polling="raf", timeout=timeout_ms)
            drawn = float(handle.json_value())
            return Sample(
                total_ms=drawn,
                server_ms=session.clock.server_ms(0),
                blocked_ms=_blocked_ms(page, 0, drawn),
                gl_ms=0.0,
                frames=tuple(session.meter.since(0)),
            )
        finally:
            session.page.context.close()
    finally:
        harness.stop_streamlit(server)


def wait_until_quiet(folder: str, *, quiet_s: float = 3.0, timeout_s: float = 180.0) -> int:
    """Wait until ``folder`` has files and none was added for ``quiet_s`` (bounded); its count.

    The app compiles numba kernels in a child process from the server's start; the later
    servers find its cache warm only once the compiled files are written.
    """
    count, quiet_since = -1, time.monotonic()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        now_count = sum(len(files) for _, _, files in os.walk(folder))
        if now_count != count:
            count, quiet_since = now_count, time.monotonic()
        elif count > 0 and time.monotonic() - quiet_since >= quiet_s:
            break
        time.sleep(0.5)  # bounded polling of the folder
    return count


def interact(
    browser: Browser, results: Results, arguments: argparse.Namespace
) -> Callable[[Session, str], None]:
    """The timed interactions on a loaded page, recorded into ``results``."""

    def run(session: Session, url: str) -> None:
        name = session.target.name
        results.warm_loads = [
            time_fresh_context_load(browser, session.target, url, session.timeout_ms)
            for _ in range(arguments.warm_loads)
        ]
        if results.warm_loads:
            print(describe(f"[{name}] first load (fresh context, warm server)", results.warm_loads))
        samples, first_visits = time_k_changes(session, arguments.repeats)
        results.k_changes, results.k_first_visits = samples, first_visits
        print(describe(f"[{name}] k change", samples))
        if name == APP.name:
            new_k = [s for s, new in zip(samples, first_visits, strict=True) if new]
            seen_k = [s for s, new in zip(samples, first_visits, strict=True) if not new]
            if new_k:
                print("  " + describe("k new to the server", new_k))
            if seen_k:
                print("  " + describe("k shown before", seen_k))
        k_bytes = [sum(s.frames) for s in samples]
        largest = sorted(samples[0].frames, reverse=True)[:3]
        print(
            f"[{name}] bytes per k change: {k_bytes}; the first change's "
            f"{len(samples[0].frames)} frames, largest {largest}"
        )
        if arguments.features > 0:
            cold, cached = time_feature_changes(session, arguments.features)
            results.feature_cold, results.feature_cached = cold, cached
            print(describe(f"[{name}] feature change, cold (new k-sweep / elbow)", cold))
            print(describe(f"[{name}] feature change, cached", cached))

    return run


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="k changes timed per page")
    parser.add_argument(
        "--loads", type=int, default=5, help="new servers per page, one first load each"
    )
    parser.add_argument(
        "--warm-loads", type=int, default=5, help="fresh-context loads on a warm server"
    )
    parser.add_argument(
        "--features", type=int, default=5, help="features added and removed (0 to skip)"
    )
    parser.add_argument(
        "--numba-cache",
        choices=("empty", "as-is"),
        default="empty",
        help="the first app server's NUMBA_CACHE_DIR: an empty temporary folder, or as is",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=harness.LOAD_TIMEOUT_MS / 1000,
        help="seconds a load or change may take to be drawn (raise it on a busy machine)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke test: --repeats 4 --loads 1 --warm-loads 0 --features 1",
    )
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.repeats, arguments.loads = 4, 1
        arguments.warm_loads, arguments.features = 0, 1
    return arguments


def main() -> int:
    """Run the benchmark on both pages and print the summary line last."""
    arguments = _arguments()
    timeout_ms = round(arguments.timeout * 1000)
    print(f"load average at start: {os.getloadavg()[0]:.1f} ({os.cpu_count()} CPUs)")
    app, naive = Results(), Results()
    hello_loads: list[Sample] = []  # the one-line page: the floor of a first load
    app_paints: list[float] = []  # the app's map and box plot on the screen, per new server
    with tempfile.TemporaryDirectory(prefix="geocluster-numba-") as numba_dir:
        app_env: dict[str, str] = {}
        if arguments.numba_cache == "empty":
            # Empty for the first app server (a fresh clone); warm for the later ones.
            app_env["NUMBA_CACHE_DIR"] = numba_dir
            print(f"app servers: NUMBA_CACHE_DIR={numba_dir} (empty for the first)")
        else:
            print(f"app servers: NUMBA_CACHE_DIR={os.environ.get('NUMBA_CACHE_DIR', '(unset)')}")
        with sync_playwright() as playwright:
            browser = harness.launch_chromium(playwright)
            print(f"chromium {browser.version}, viewport {harness.VIEWPORT}")
            numba_files: list[int] = []

            def let_numba_write(_session: Session, _url: str) -> None:
                if arguments.numba_cache == "empty":
                    numba_files.append(wait_until_quiet(numba_dir))

            cold, cold_paint = on_new_server(
                browser, APP, app_env, timeout_ms, paint=True, then=let_numba_write
            )
            print(
                f"[app] cold paint (new server, numba cache {arguments.numba_cache}): "
                f"map and box plot drawn at {cold_paint:.0f} ms"
            )
            print(describe("[app] first load on that server", [cold]))
            if arguments.numba_cache == "empty":
                print(f"[app] numba cache after that server: {numba_files[0]} files")
            for _ in range(arguments.loads - 1):
                sample, painted = on_new_server(browser, APP, app_env, timeout_ms, paint=True)
                app.first_loads.append(sample)
                app_paints.append(painted)
                naive.first_loads.append(on_new_server(browser, NAIVE, {}, timeout_ms)[0])
                hello_loads.append(time_hello_first_load(browser, timeout_ms))
            hello_loads.append(time_hello_first_load(browser, timeout_ms))
            print(describe("[hello] first load (new server)", hello_loads))
            for target, results, env in ((APP, app, app_env), (NAIVE, naive, {})):
                sample, painted = on_new_server(
                    browser,
                    target,
                    env,
                    timeout_ms,
                    paint=target is APP,
                    then=interact(browser, results, arguments),
                )
                results.first_loads.append(sample)
                if target is APP:
                    app_paints.append(painted)
                    print(
                        f"[app] first paint (new server): median {_median(app_paints):.0f} ms; "
                        f"all: {[round(p) for p in app_paints]}"
                    )
                print(describe(f"[{target.name}] first load (new server)", results.first_loads))
            browser.close()
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    for name, seconds in SERVER_READY_S.items():
        print(f"[{name}] server ready (start to health): {[round(s, 1) for s in seconds]} s")

    def total(samples: list[Sample]) -> float:
        return _median([s.total_ms for s in samples])

    def without_gl(samples: list[Sample]) -> float:
        return _median([s.total_ms - s.gl_ms for s in samples])

    k_ms, naive_k_ms = total(app.k_changes), total(naive.k_changes)
    load_ms, naive_load_ms = total(app.first_loads), total(naive.first_loads)
    hello_ms = total(hello_loads)
    details = [
        f"hello_first_load_ms={hello_ms:.0f}",
        f"server_ready_s={_median(SERVER_READY_S[APP.name]):.1f}",
        f"naive_server_ready_s={_median(SERVER_READY_S[NAIVE.name]):.1f}",
        f"first_paint_ms={_median(app_paints):.0f}",
        f"paint_ratio={_median(app_paints) / naive_load_ms:.2f}",
        f"cold_paint_over_hello_ms={cold_paint - hello_ms:.0f}",
        f"load_ratio_over_hello={(load_ms - hello_ms) / (naive_load_ms - hello_ms):.2f}",
        f"gl_draw_ms={_median([s.gl_ms for s in app.k_changes]):.0f}",
        f"naive_gl_draw_ms={_median([s.gl_ms for s in naive.k_changes]):.0f}",
        f"k_ratio_without_gl={without_gl(naive.k_changes) / without_gl(app.k_changes):.2f}",
        f"bytes_per_k_change={int(statistics.median(sum(s.frames) for s in app.k_changes))}",
        "naive_bytes_per_k_change="
        f"{int(statistics.median(sum(s.frames) for s in naive.k_changes))}",
    ]
    if arguments.features > 0:
        details += [
            f"feature_change_ms={total(app.feature_cached):.0f}",
            f"feature_change_without_gl_ms={without_gl(app.feature_cached):.0f}",
            f"naive_feature_change_ms={total(naive.feature_cached):.0f}",
            f"feature_change_cold_ms={total(app.feature_cold):.0f}",
            f"naive_feature_change_cold_ms={total(naive.feature_cold):.0f}",
        ]
    print("browser_details " + " ".join(details))
    print(
        f"browser k_change_ms={k_ms:.0f} naive_k_change_ms={naive_k_ms:.0f} "
        f"k_ratio={naive_k_ms / k_ms:.2f} first_load_ms={load_ms:.0f} "
        f"naive_first_load_ms={naive_load_ms:.0f} load_ratio={load_ms / naive_load_ms:.2f} "
        f"cold_paint_ms={cold_paint:.0f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
