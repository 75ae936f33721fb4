"""Time the Clusters page in a real browser: k change, feature change, first load, bytes.

Run from the project root (Debian's chromium at /usr/bin/chromium):

    python benchmarks/browser.py

Starts ``streamlit run app.py`` on a free 127.0.0.1 port (the shared data set, no
downloads, exactly as tests/e2e does) and drives headless chromium with Playwright.
Every time is measured inside the page, from the ``keydown`` / ``pointerdown`` of the
user's action (``performance.now()`` in a capturing listener) to the first animation
frame at which the page is idle and drawn for the new state: the server has reported
the script run after the action as finished, the app is connected, no skeleton or
running icon is left, the map canvas exists, the box plot has one box per cluster, the
legend grid has k rows, and the map rows a change asked for (fetched by URL) are loaded,
parsed and drawn (``app_page.DRAWN_FOR_K_JS`` with ``MAP_ROWS_TRACKER_JS``, polled
every frame).

- k change: ArrowRight / ArrowLeft on the focused k slider, 15 times (k 5 -> 12 -> 4);
  8 of those k's are new to the server (their map, legend and box plot are built), 7
  were shown before (cached); both medians are printed, the summary is over all 15.
- feature change: add one feature to the default three through the multiselect, then
  remove it, then add and remove it again. The first add is "cold" (the k-sweep for
  that feature set is computed); the other three switch to a set already computed
  ("cached"). Five features -> 5 cold and 15 cached samples.
- first load: a fresh browser context (empty HTTP cache) opening the page, from
  navigation start to idle with the map canvas and both charts drawn; median of 5, on
  a server whose caches are warm. The very first load of a fresh server is printed too.
- bytes per k change: the websocket frames the page receives between the key press and
  idle (``page.on("websocket")`` -> ``framereceived``), median over the k changes.

For each kind of change it also prints where the time went: the server's share
(``server``: from the websocket frame carrying the change leaving the browser to the
server's "script finished" frame arriving, time-stamped by the browser's network stack
through the DevTools protocol) and how long the page's main thread was blocked by long
tasks (``main thread``). The machine's load average is
printed first and last: other agents may share the CPUs.

The last line is machine-readable:

    browser k_change_ms=<ms> feature_change_ms=<ms> first_load_ms=<ms> bytes_per_k_change=<n>
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
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
COLD_FEATURES = (
    "Median income",
    "Median house age",
    "Rooms per household",
    "Population",
    "Households",
)
LOAD_TIMEOUT_MS = harness.LOAD_TIMEOUT_MS


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
    frames: tuple[int, ...]  # websocket frames received (bytes each)


def _drawn_at(
    page: Page, runs_before: int, k: int, timeout_ms: int, parses_before: int | None = None
) -> float:
    """performance.now() of the first frame at which the page is drawn for k.

    With ``parses_before`` (the map-row parses counted before the action) the map must
    also have loaded and drawn new rows since.
    """
    handle = page.wait_for_function(
        app_page.DRAWN_FOR_K_JS,
        arg=[runs_before, k, parses_before],
        polling="raf",
        timeout=timeout_ms,
    )
    return float(handle.json_value())


def _new_page(browser: Browser) -> tuple[Page, FrameMeter, NetworkClock]:
    context = harness.new_offline_context(browser)
    page = context.new_page()
    harness.install_run_counter(page)
    page.add_init_script(PAGE_CLOCK_SCRIPT)
    page.add_init_script(app_page.MAP_ROWS_TRACKER_JS)
    meter = FrameMeter()
    meter.attach(page)
    clock = NetworkClock()
    clock.attach(page)
    return page, meter, clock


def _blocked_ms(page: Page, since_ms: float, until_ms: float) -> float:
    tasks = page.evaluate("() => window.__longTasks")
    return sum(duration for start, duration in tasks if since_ms <= start <= until_ms)


def time_first_load(browser: Browser, url: str) -> Sample:
    """Navigation start to drawn, in a fresh context (empty HTTP cache)."""
    page, meter, clock = _new_page(browser)
    try:
        page.goto(url, wait_until="commit", timeout=LOAD_TIMEOUT_MS)
        # The page's map rows come by a fetch of their own: drawn includes them.
        drawn = _drawn_at(page, 0, app_page.DEFAULT_K, LOAD_TIMEOUT_MS, parses_before=0)
        # performance.now() counts from the navigation start; the server's part is from
        # the session's first message (after the page's scripts loaded) to its finish.
        return Sample(drawn, clock.server_ms(0), _blocked_ms(page, 0, drawn), tuple(meter.since(0)))
    finally:
        page.context.close()


def time_action(
    page: Page,
    meter: FrameMeter,
    clock: NetworkClock,
    action: Callable[[], object],
    k: int,
    *,
    new_rows: bool = False,
) -> Sample:
    """Run ``action`` and time it from its last input event to drawn for ``k``.

    ``new_rows``: the action changes the map's rows (a feature change), so drawn also
    means the new rows were fetched, parsed and drawn.
    """
    runs_before = harness.finished_runs(page)
    mark = meter.mark()
    sent_before = len(clock.sent)
    page.evaluate("() => { window.__actionAt = null; }")
    parses_before = page.evaluate("() => window.__mapRows.parses") if new_rows else None
    action()
    drawn = _drawn_at(page, runs_before, k, LOAD_TIMEOUT_MS, parses_before)
    acted = page.evaluate("() => window.__actionAt")
    if acted is None:
        raise RuntimeError("The action fired no keydown or pointerdown in the page.")
    return Sample(
        total_ms=drawn - acted,
        server_ms=clock.server_ms(sent_before),
        blocked_ms=_blocked_ms(page, acted, drawn),
        frames=tuple(meter.since(mark)),
    )


def time_k_changes(
    page: Page, meter: FrameMeter, clock: NetworkClock, repeats: int
) -> tuple[list[Sample], list[bool]]:
    """Press ArrowRight 7 times, then ArrowLeft; ``repeats`` presses in all.

    Returns the samples and whether each k was new to the server (its map, legend
    and box plot built for the first time).
    """
    samples, first_visits = [], []
    k = app_page.slider_k(page)
    seen = {k}
    for press in range(repeats):
        key = "ArrowRight" if press < 7 else "ArrowLeft"
        k += 1 if key == "ArrowRight" else -1
        samples.append(
            time_action(page, meter, clock, lambda key=key: app_page.press_k_key(page, key), k)
        )
        first_visits.append(k not in seen)
        seen.add(k)
    return samples, first_visits


def time_feature_changes(
    page: Page, meter: FrameMeter, clock: NetworkClock
) -> tuple[list[Sample], list[Sample]]:
    """Add and remove each of COLD_FEATURES twice; return (cold, cached) samples."""
    cold, cached = [], []
    k = app_page.slider_k(page)
    combobox = page.get_by_role("combobox", name=app_page.FEATURES_LABEL)
    for label in COLD_FEATURES:
        for step, is_cold in (("add", True), ("remove", False), ("add", False), ("remove", False)):
            if step == "add":
                # Typing filters the open list; the option's pointerdown is the timed input.
                combobox.click()
                combobox.fill(label)
                option = page.get_by_role("option", name=label, exact=True)
                sample = time_action(page, meter, clock, option.click, k, new_rows=True)
                app_page.close_dropdowns(page)
            else:
                sample = time_action(
                    page,
                    meter,
                    clock,
                    lambda label=label: app_page.remove_feature(page, label),
                    k,
                    new_rows=True,
                )
            (cold if is_cold else cached).append(sample)
    return cold, cached


def _median(values: list[float]) -> float:
    return float(statistics.median(values))


def describe(name: str, samples: list[Sample]) -> str:
    """One line: median total, server and blocked times, and the samples."""
    totals = [round(s.total_ms) for s in samples]
    return (
        f"{name}: median {_median([s.total_ms for s in samples]):.0f} ms "
        f"(server {_median([s.server_ms for s in samples]):.0f} ms, main thread "
        f"blocked {_median([s.blocked_ms for s in samples]):.0f} ms); all: {totals}"
    )


def main() -> int:
    """Run the benchmark and print its summary line last."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="k changes timed")
    parser.add_argument("--loads", type=int, default=5, help="fresh-context page loads timed")
    arguments = parser.parse_args()

    print(f"load average at start: {os.getloadavg()[0]:.1f} ({os.cpu_count()} CPUs)")
    server = harness.start_streamlit()
    print(f"server {server.url}: {' '.join(server.command[1:])}")
    try:
        with sync_playwright() as playwright:
            browser = harness.launch_chromium(playwright)
            print(f"chromium {browser.version}, viewport {harness.VIEWPORT}")
            fresh_server = time_first_load(browser, server.url)
            print(describe("first load on a fresh server (k-sweep computed)", [fresh_server]))
            loads = [time_first_load(browser, server.url) for _ in range(arguments.loads)]
            print(describe("first load (fresh context, warm server)", loads))

            page, meter, clock = _new_page(browser)
            page.goto(server.url, wait_until="commit", timeout=LOAD_TIMEOUT_MS)
            _drawn_at(page, 0, app_page.DEFAULT_K, LOAD_TIMEOUT_MS, parses_before=0)
            app_page.wait_for_charts(page)
            k_samples, first_visits = time_k_changes(page, meter, clock, arguments.repeats)
            print(describe("k change", k_samples))
            new_k = [s for s, new in zip(k_samples, first_visits, strict=True) if new]
            seen_k = [s for s, new in zip(k_samples, first_visits, strict=True) if not new]
            print("  " + describe("k new to the server", new_k))
            print("  " + describe("k shown before", seen_k))
            k_bytes = [sum(s.frames) for s in k_samples]
            largest = sorted(k_samples[0].frames, reverse=True)[:3]
            print(
                f"bytes per k change: {k_bytes}; the first change's {len(k_samples[0].frames)} "
                f"frames, largest {largest}"
            )

            cold, cached = time_feature_changes(page, meter, clock)
            print(describe("feature change, cold (new k-sweep)", cold))
            print(describe("feature change, cached", cached))
            browser.close()
    finally:
        harness.stop_streamlit(server)
    print(f"load average at end: {os.getloadavg()[0]:.1f}")

    print(f"browser feature_change_cold_ms={_median([s.total_ms for s in cold]):.0f}")
    print(
        f"browser k_change_ms={_median([s.total_ms for s in k_samples]):.0f} "
        f"feature_change_ms={_median([s.total_ms for s in cached]):.0f} "
        f"first_load_ms={_median([s.total_ms for s in loads]):.0f} "
        f"bytes_per_k_change={int(statistics.median(k_bytes))}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
