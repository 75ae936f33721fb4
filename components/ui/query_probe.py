"""Tell when Streamlit dropped the link's whole query string (too many parameters).

Streamlit ignores a query string of more than 1,000 parameters (or 512 KiB) before the
script runs, and says so only in the server log: ``st.query_params`` is then empty, and
``st.context.url`` never holds the query. Only the browser knows what was opened, so a small
component (no HTML, no user text: it sends two numbers) reads the query string of the page
load from the Navigation Timing entry, which ``history.replaceState`` does not change, and
reports its size when it is over the limits. Nothing is sent for an ordinary link, so an
ordinary visit costs no rerun.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import streamlit as st

from components.ui.url_state import QUERY_MAX_CHARS, QUERY_MAX_FIELDS, dropped_query_notice

PROBE_KEY = "query_probe"
_PROBE_JS = """
export default function (component) {
  const { data, setStateValue } = component;
  if (window.__geoclusterQueryProbed) {
    return;
  }
  window.__geoclusterQueryProbed = true;
  const entry = performance.getEntriesByType("navigation")[0];
  const search = new URL(entry ? entry.name : window.location.href).search.slice(1);
  const fields = search ? search.split("&").length : 0;
  if (fields > data.max_fields || search.length > data.max_chars) {
    setStateValue("query", { fields: fields, chars: search.length });
  }
}
"""


@functools.cache
def _probe() -> Any:
    """The component, registered on first use (inside a script run, where Streamlit wants it)."""
    return st.components.v2.component("geocluster_query_probe", js=_PROBE_JS)


def _ignore() -> None:
    """The probe's change callback: its value is read where it is drawn."""


def dropped_query_notice_from_browser() -> str | None:
    """Draw the (invisible) probe and return the notice when the link's query was dropped."""
    result = _probe()(
        key=PROBE_KEY,
        data={"max_fields": QUERY_MAX_FIELDS, "max_chars": QUERY_MAX_CHARS},
        default={"query": None},
        height=0,
        on_query_change=_ignore,
    )
    query = getattr(result, "query", None)
    if not isinstance(query, Mapping):
        return None
    fields, chars = query.get("fields"), query.get("chars")
    if not isinstance(fields, int) or not isinstance(chars, int):
        return None
    return dropped_query_notice(fields, chars)
