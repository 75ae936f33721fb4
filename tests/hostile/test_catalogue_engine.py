"""The hostile catalogue on the module path: the readers, the URL parser and the three sinks."""

from __future__ import annotations

import hashlib
import html
import json
import re
from pathlib import Path

import numpy as np
import pytest

from components.engine import data, model
from components.engine.dataset import Dataset, places_dataset
from components.engine.lod import level_of_detail
from components.engine.upload import PlacesError, read_places
from components.figures import charts, maps
from components.figures.lod import levels_manifest, served_levels_of, tile_files
from components.figures.text import ZERO_WIDTH_SPACE, deck_label, deck_text, plotly_text
from components.ui.text import WORD_JOINER, escape_markdown
from components.ui.url_state import parse_query_params
from tests.hostile.catalogue import (
    CLUSTER_CASES,
    DATA_FAULTS,
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


def _dataset(content: bytes, name: str) -> Dataset:
    """A file as the pages see it (read, its coordinates named latitude and longitude)."""
    places = read_places(content, filename=name)
    return places_dataset(places, name, hashlib.sha256(content).hexdigest())


_CLUSTER_CASES = list(CLUSTER_CASES)


def _cannot_cluster(case: ClusterCase) -> str:
    """The message of the pages' first clustering of the file (its default features)."""
    dataset = _dataset(case.content, "places.csv")
    with pytest.raises(PlacesError) as info:
        model.prepare(dataset, dataset.default_features, "exclude")
    return str(info.value.args[0])


@pytest.mark.parametrize("case", _CLUSTER_CASES, ids=[case.id for case in CLUSTER_CASES])
def test_cluster_case(case: ClusterCase) -> None:
    message = _cannot_cluster(case)
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
    message = _cannot_cluster(case)
    assert not jargon(message), message


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
    """The map of a file whose column names and cells are markup and deck.gl code.

    Its cells are averaged into served tiles of numbers (text cells never reach the map);
    its column names reach the tooltip as text; the only strings deck.gl reads as code are
    the map's own accessors.
    """
    dataset = places_dataset(
        read_places(HOSTILE_NAMES_FILE, filename="hostile.csv"), "hostile.csv", "0" * 64
    )
    frame = dataset.places.frame
    longitude = frame["longitude"].to_numpy()
    latitude = frame["latitude"].to_numpy()
    labels = np.arange(len(frame)) % 2
    columns = [name for name in dataset.numeric_columns if name not in ("latitude", "longitude")]
    values = {f"x{index}": frame[name].to_numpy(float) for index, name in enumerate(columns)}
    lod = level_of_detail(longitude, latitude, {2: labels}, values)
    for tile in tile_files(lod, {name: name for name in values}).values():
        for feature in json.loads(tile):
            properties = feature["properties"].values()
            assert all(isinstance(value, int | float) or value is None for value in properties)
    levels = served_levels_of(levels_manifest(lod), "app/static/lod/m0/{z}/{x}/{y}.json")
    hostile_labels = [dataset.label(name) for name in columns] + ["@@#GL.ONE", "{n} @@=this"]
    deck = maps.lod_map(
        levels,
        longitude,
        latitude,
        labels,
        2,
        extent=dataset.places.extent,
        value_labels=hostile_labels,
    ).deck
    tooltip = deck._tooltip["text"]  # Streamlit sends it beside the spec (st.pydeck_chart)
    assert "\n[link](http://example.com/phish) (mean): {x0}" in tooltip, tooltip
    assert f"\n{ZERO_WIDTH_SPACE}@@#GL.ONE (mean): " in tooltip, tooltip
    assert "\n(n) @@=this (mean): " in tooltip, tooltip  # no field of the point named
    assert not any(line.startswith("@@") for line in tooltip.splitlines()), tooltip
    spec = json.loads(deck.to_json())
    code = [(key, text) for key, text in _keyed_strings(spec) if text.startswith("@@")]
    assert code and all(
        key == "@@type" or (key.startswith("get") and text.startswith("@@=")) for key, text in code
    ), code
