"""The hostile catalogue on the module path: the readers, the URL parser and the three sinks."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import numpy as np
import pytest

from components.engine import data
from components.engine.places import default_features, fit_places
from components.engine.upload import PlacesError, read_places, read_places_csv
from components.figures import charts, maps
from components.figures.text import ZERO_WIDTH_SPACE, deck_label, deck_text, plotly_text
from components.ui.text import WORD_JOINER, escape_markdown
from components.ui.url_state import dropped_query_notice, parse_query_params
from tests.hostile.catalogue import (
    CLUSTER_CASES,
    DATA_FAULTS,
    DROPPED_QUERY,
    DROPPED_QUERY_EXPECT,
    FILES,
    HOSTILE_NAMES_FILE,
    HOSTILE_STRINGS,
    URL_VALUES,
    ClusterCase,
    DataFault,
    FileCase,
    UrlCase,
    arrange_data_fault,
    jargon,
)


def test_the_catalogue_is_as_large_as_the_issue_asks() -> None:
    assert len(FILES) >= 40 and len(URL_VALUES) >= 30 and len(DATA_FAULTS) >= 6
    assert len({case.id for case in FILES}) == len(FILES)
    assert len({case.id for case in URL_VALUES}) == len(URL_VALUES)


# ------------------------------------------------------------------------------------ files


@pytest.mark.parametrize("case", FILES, ids=[case.id for case in FILES])
def test_file(case: FileCase) -> None:
    if case.refused:
        with pytest.raises(PlacesError) as info:
            read_places(case.content, filename=case.name)
        assert case.expect in str(info.value)
        return
    places = read_places(case.content, filename=case.name)
    assert places.n_rows == case.n_rows
    said = [*places.notes, *(coercion.message for coercion in places.coercions)]
    assert not case.expect or any(case.expect in text for text in said), said


# ------------------------------------------------------------------ files too small to cluster


@pytest.mark.parametrize("case", CLUSTER_CASES, ids=[case.id for case in CLUSTER_CASES])
def test_cluster_case(case: ClusterCase) -> None:
    places = read_places(case.content, filename="places.csv")
    with pytest.raises(PlacesError) as info:
        fit_places(places, default_features(places))  # the page's first features
    message = str(info.value)
    assert case.expect in message
    assert not [advice for advice in case.absent if advice in message], message


# ------------------------------------------------------------------------- plain language


def _file_messages(case: FileCase) -> list[str]:
    """What the reader says of a file: its error, or its notes and columns' messages."""
    try:
        places = read_places(case.content, filename=case.name)
    except PlacesError as error:
        return [error.args[0]]
    return [*places.notes, *(coercion.message for coercion in places.coercions)]


def test_the_jargon_check_catches_what_the_messages_used_to_say() -> None:
    said_before = (
        "Error tokenizing data. C error: Expected 4 fields in line 4, saw 5",
        "it contains a NUL byte at byte offset 3, which text never does",
        "The file is not UTF-8 text: byte 0xE9 at byte offset 16 (line 2) cannot be decoded",
        "The file is not UTF-8 text (invalid start byte at byte 0)",
        "not a valid Parquet file (Couldn't deserialize thrift: don't know what type: )",
        "Write it again with pandas (DataFrame.to_parquet) or pyarrow",
        "Compressed file ended before the end-of-stream marker was reached",
        "cannot be read: PermissionError.",
    )
    assert all(jargon(text) for text in said_before)
    assert not jargon("'nan' x1; 5 cell(s) read as missing. Line 4 has 5 values.")


@pytest.mark.parametrize("case", FILES, ids=[case.id for case in FILES])
def test_file_messages_read_as_plain_language(case: FileCase) -> None:
    for message in _file_messages(case):
        assert not jargon(message), message


@pytest.mark.parametrize("case", CLUSTER_CASES, ids=[case.id for case in CLUSTER_CASES])
def test_cluster_messages_read_as_plain_language(case: ClusterCase) -> None:
    places = read_places(case.content, filename="places.csv")
    with pytest.raises(PlacesError) as info:
        fit_places(places, default_features(places))
    assert not jargon(info.value.args[0]), info.value


@pytest.mark.parametrize("fault", DATA_FAULTS, ids=[fault.id for fault in DATA_FAULTS])
def test_data_fault_messages_read_as_plain_language(
    fault: DataFault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    arrange_data_fault(fault, tmp_path, monkeypatch)
    try:
        housing = data.load_housing()
    except (data.DataUnavailableError, data.DataValidationError) as error:
        said = error.args[0]
    else:
        said = data.published_note(housing.sha256, len(housing.frame), "housing.csv") or ""
    assert said and not jargon(said), said


@pytest.mark.parametrize("case", URL_VALUES, ids=[case.id for case in URL_VALUES])
def test_url_notices_read_as_plain_language(case: UrlCase) -> None:
    _, notices = parse_query_params(case.params)
    for notice in notices:
        assert not jargon(notice), notice


# -------------------------------------------------------------------------------- URL values


@pytest.mark.parametrize("case", URL_VALUES, ids=[case.id for case in URL_VALUES])
def test_url_value(case: UrlCase) -> None:
    _, notices = parse_query_params(case.params)
    assert any(case.expect in notice for notice in notices), notices
    assert not case.absent or not any(case.absent in notice for notice in notices)
    assert all(len(notice) < 1_000 for notice in notices)  # nothing is echoed whole


def test_more_than_1000_parameters_are_reported() -> None:
    assert DROPPED_QUERY.count("&") + 1 == 1_200
    notice = dropped_query_notice(DROPPED_QUERY.count("&") + 1, len(DROPPED_QUERY))
    assert notice is not None and DROPPED_QUERY_EXPECT in notice
    assert "default settings" in notice
    assert dropped_query_notice(1_000, 20_000) is None  # Streamlit reads 1,000 parameters
    too_long = dropped_query_notice(1, 600_000)
    assert too_long is not None and "600,000 characters; at most 524,288" in too_long


# ------------------------------------------------------------------------- data-file faults


@pytest.mark.parametrize("fault", DATA_FAULTS, ids=[fault.id for fault in DATA_FAULTS])
def test_data_fault(fault: DataFault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    arrange_data_fault(fault, tmp_path, monkeypatch)
    if fault.note:
        housing = data.load_housing()
        said = data.published_note(housing.sha256, len(housing.frame), "housing.csv")
        assert said is not None and fault.expect in said
        return
    with pytest.raises((data.DataUnavailableError, data.DataValidationError)) as info:
        data.load_housing()
    message = str(info.value)
    assert fault.expect in message
    assert str(tmp_path) not in message and str(data.PROJECT_ROOT) not in message


# ---------------------------------------------------------------------------- the three sinks

# What GitHub-flavoured Markdown turns into a link (mdast-util-gfm-autolink-literal's rules),
# applied to the text after the backslash escapes are resolved, as Streamlit's renderer does.
_AUTOLINK_URL = re.compile(r"(?i)(https?://|www\.)")
_AUTOLINK_EMAIL = re.compile(r"[-.\w+]+@[-\w]+(?:\.[-\w]+)+")
_MARKDOWN_ACTIVE = "\\`*_{}[]()#+-.!|<>~:$&^=\"'"


def _unescaped(markdown: str, specials: str) -> list[str]:
    """The special characters of a Markdown text that no backslash escapes."""
    found, at = [], 0
    while at < len(markdown):
        if markdown[at] == "\\":
            at += 2
            continue
        if markdown[at] in specials:
            found.append(markdown[at])
        at += 1
    return found


@pytest.mark.parametrize("text", HOSTILE_STRINGS)
def test_markdown_sink(text: str) -> None:
    escaped = escape_markdown(text)
    resolved = re.sub(r"\\(.)", r"\1", escaped)  # what the renderer reads as text
    assert resolved.replace(WORD_JOINER, "") == " ".join(text.split())  # shown as written
    assert _unescaped(escaped, _MARKDOWN_ACTIVE) == []  # every active character is escaped
    assert not _AUTOLINK_URL.search(resolved) and not _AUTOLINK_EMAIL.search(resolved)
    assert "\n" not in escaped


@pytest.mark.parametrize("text", HOSTILE_STRINGS)
def test_plotly_sink(text: str) -> None:
    shown = plotly_text(text)
    assert "<" not in shown and ">" not in shown
    assert html.unescape(shown) == text  # plotly decodes the entities: the text as written
    figure = charts.feature_boxplot(
        np.arange(6, dtype=float), np.array([0, 0, 0, 1, 1, 1]), 2, feature_label=text
    )
    assert figure.layout.yaxis.title.text == shown


@pytest.mark.parametrize("text", HOSTILE_STRINGS)
def test_deck_sink(text: str) -> None:
    value = deck_text(text)
    assert not value.startswith("@@")
    assert value.removeprefix(ZERO_WIDTH_SPACE) == text
    label = deck_label(text)
    assert "{" not in label and "}" not in label and not label.startswith("@@")


def _keyed_strings(spec: object, key: str = "") -> list[tuple[str, str]]:
    """Every string of a deck spec with the key it is under (a list's items: its key)."""
    if isinstance(spec, str):
        return [(key, spec)]
    if isinstance(spec, dict):
        return [pair for name, value in spec.items() for pair in _keyed_strings(value, name)]
    if isinstance(spec, list):
        return [pair for value in spec for pair in _keyed_strings(value, key)]
    return []


def test_a_hostile_file_reaches_the_map_as_text() -> None:
    places = read_places_csv(HOSTILE_NAMES_FILE, filename="hostile.csv")
    labels = np.arange(places.n_rows) % 2
    deck = maps.places_map(places, labels, 2).deck
    spec = json.loads(deck.to_json())
    points = next(layer for layer in spec["layers"] if layer["id"] == "points")
    cells = [cell for row in points["data"] for cell in row if isinstance(cell, str)]
    assert cells and not any(cell.startswith("@@") for cell in cells)
    assert ZERO_WIDTH_SPACE + "@@#GL.ONE" in cells and "[click](http://example.com)" in cells
    tooltip = deck._tooltip["text"]  # Streamlit sends it beside the spec (st.pydeck_chart)
    assert not tooltip.startswith("@@") and "[link](http://example.com/phish)" in tooltip
    # The only "@@" strings left are the deck's own accessor expressions (getPosition, ...).
    code = [(key, text) for key, text in _keyed_strings(spec) if text.startswith("@@")]
    assert code and all(key.startswith("get") and text.startswith("@@=") for key, text in code)
