"""Time the Clusters page in a real browser: k change, feature change, first load, bytes.

Run from the project root (Debian's chromium at /usr/bin/chromium):

    python benchmarks/browser.py

Starts ``streamlit run app.py`` on a free 127.0.0.1 port (the shared data set, no
downloads, exactly as tests/e2e does) and drives headless chromium with Playwright.
Every time is measured inside the page, from the ``keydown`` / ``pointerdown`` of the
user's action (``performance.now()`` in a capturing listener) to the first animation
frame at which the page is idle and drawn for the new state: the script run that
followed the action has finished, the app is connected, no skeleton or running icon is
left, the map canvas exists, the box plot has one box per cluster, the legend grid has
k rows and the elbow chart marks k (``app_page.DRAWN_FOR_K_JS``, polled every frame).

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

Medians are printed; the last line is machine-readable:

    browser k_change_ms=<ms> feature_change_ms=<ms> first_load_ms=<ms> bytes_per_k_change=<n>
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT / "tests" / "e2e"))
sys.path.insert(0, str(PROJECT_ROOT))

import app_page  # noqa: E402 -- lives in tests/e2e, shared with the browser tests
import harness  # noqa: E402
from playwright.sync_api import Browser, Page, WebSocket, sync_playwright  # noqa: E402

# Records the time of the user's last action, before any handler of the app sees it.
ACTION_CLOCK_SCRIPT = """
(() => {
  const stamp = () => { window.__actionAt = performance.now(); };
  window.addEventListener("keydown", stamp, true);
  window.addEventListener("pointerdown", stamp, true);
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
    """Bytes (and sizes) of the websocket frames a page receives."""

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


def _drawn_at(page: Page, runs_before: int, k: int, timeout_ms: int) -> float:
    """performance.now() of the first frame at which the page is drawn for k."""
    handle = page.wait_for_function(
        app_page.DRAWN_FOR_K_JS, arg=[runs_before, k], polling="raf", timeout=timeout_ms
    )
    return float(handle.json_value())


def _new_page(browser: Browser) -> tuple[Page, FrameMeter]:
    context = harness.new_offline_context(browser)
    page = context.new_page()
    harness.install_run_counter(page)
    page.add_init_script(ACTION_CLOCK_SCRIPT)
    meter = FrameMeter()
    meter.attach(page)
    return page, meter


def time_first_load(browser: Browser, url: str) -> float:
    """Navigation start to drawn, in a fresh context (empty HTTP cache), in ms."""
    page, _ = _new_page(browser)
    try:
        page.goto(url, wait_until="commit", timeout=LOAD_TIMEOUT_MS)
        drawn = _drawn_at(page, 0, app_page.DEFAULT_K, LOAD_TIMEOUT_MS)
        app_page.wait_for_charts(page)
        return drawn  # performance.now() counts from navigation start
    finally:
        page.context.close()


def time_action(
    page: Page, meter: FrameMeter, action: Callable[[], object], k: int
) -> tuple[float, list[int]]:
    """Run ``action``; return ms from its last input event to drawn for ``k``, and frames."""
    runs_before = harness.finished_runs(page)
    mark = meter.mark()
    page.evaluate("() => { window.__actionAt = null; }")
    action()
    drawn = _drawn_at(page, runs_before, k, harness.LOAD_TIMEOUT_MS)
    acted = page.evaluate("() => window.__actionAt")
    if acted is None:
        raise RuntimeError("The action fired no keydown or pointerdown in the page.")
    return drawn - float(acted), meter.since(mark)


def time_k_changes(
    page: Page, meter: FrameMeter, repeats: int
) -> tuple[list[float], list[int], list[bool]]:
    """Press ArrowRight 7 times, then ArrowLeft; ``repeats`` presses in all.

    Returns the times, the bytes received per change and whether each k was new to the
    server (its map, legend and box plot built for the first time).
    """
    times, sizes, first_visits = [], [], []
    k = app_page.slider_k(page)
    seen = {k}
    for press in range(repeats):
        key = "ArrowRight" if press < 7 else "ArrowLeft"
        k += 1 if key == "ArrowRight" else -1
        elapsed, frames = time_action(
            page, meter, lambda key=key: app_page.press_k_key(page, key), k
        )
        times.append(elapsed)
        sizes.append(sum(frames))
        first_visits.append(k not in seen)
        seen.add(k)
        if press == 0:
            print(f"  first k change: {len(frames)} frames, largest {sorted(frames)[::-1][:5]}")
    return times, sizes, first_visits


def time_feature_changes(page: Page, meter: FrameMeter) -> tuple[list[float], list[float]]:
    """Add and remove each of COLD_FEATURES twice; return (cold, cached) times in ms."""
    cold, cached = [], []
    k = app_page.slider_k(page)

    def pick(label: str) -> None:
        # The option's pointerdown is the timed input (the dropdown is already open).
        page.get_by_role("option", name=label, exact=True).click()

    for label in COLD_FEATURES:
        for step, is_cold in (("add", True), ("remove", False), ("add", False), ("remove", False)):
            if step == "add":
                page.get_by_role("combobox", name=app_page.FEATURES_LABEL).click()
                elapsed, _ = time_action(page, meter, lambda label=label: pick(label), k)
                app_page.close_dropdowns(page)
            else:
                elapsed, _ = time_action(
                    page, meter, lambda label=label: app_page.remove_feature(page, label), k
                )
            (cold if is_cold else cached).append(elapsed)
            print(f"  {step} {label}: {elapsed:.0f} ms ({'cold' if is_cold else 'cached'})")
    return cold, cached


def main() -> int:
    """Run the benchmark and print its summary line last."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="k changes timed")
    parser.add_argument("--loads", type=int, default=5, help="fresh-context page loads timed")
    arguments = parser.parse_args()

    server = harness.start_streamlit()
    print(f"server {server.url} ({' '.join(server.command[1:5])} ...)")
    try:
        with sync_playwright() as playwright:
            browser = harness.launch_chromium(playwright)
            print(f"chromium {browser.version}")
            cold_server_load = time_first_load(browser, server.url)
            print(f"first load on a fresh server (sweep computed): {cold_server_load:.0f} ms")
            loads = [time_first_load(browser, server.url) for _ in range(arguments.loads)]
            print(f"first loads (fresh context, warm server): {[round(t) for t in loads]}")

            page, meter = _new_page(browser)
            page.goto(server.url, wait_until="commit", timeout=LOAD_TIMEOUT_MS)
            _drawn_at(page, 0, app_page.DEFAULT_K, LOAD_TIMEOUT_MS)
            app_page.wait_for_charts(page)
            k_times, k_bytes, first_visits = time_k_changes(page, meter, arguments.repeats)
            print(f"k changes (ms): {[round(t) for t in k_times]}")
            new_k = [t for t, new in zip(k_times, first_visits, strict=True) if new]
            old_k = [t for t, new in zip(k_times, first_visits, strict=True) if not new]
            print(
                f"  median {statistics.median(new_k):.0f} ms for a k new to the server "
                f"({len(new_k)}), {statistics.median(old_k):.0f} ms for one seen before "
                f"({len(old_k)})"
            )
            print(f"bytes per k change: {k_bytes}")

            cold, cached = time_feature_changes(page, meter)
            print(f"feature change cold (new sweep) ms: {[round(t) for t in cold]}")
            print(f"feature change cached ms: {[round(t) for t in cached]}")
            browser.close()
    finally:
        harness.stop_streamlit(server)

    k_change_ms = statistics.median(k_times)
    feature_cold_ms = statistics.median(cold)
    feature_cached_ms = statistics.median(cached)
    first_load_ms = statistics.median(loads)
    bytes_per_k = int(statistics.median(k_bytes))
    print(f"browser feature_change_cold_ms={feature_cold_ms:.0f} (median of {len(cold)})")
    print(
        f"browser k_change_ms={k_change_ms:.0f} feature_change_ms={feature_cached_ms:.0f} "
        f"first_load_ms={first_load_ms:.0f} bytes_per_k_change={bytes_per_k}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
