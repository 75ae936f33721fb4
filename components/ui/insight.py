"""Streamlit blocks of the "Choose k" and "Explain clusters" pages.

The pages stay thin: they draw the shared sidebar controls
(:mod:`components.ui.widgets`), then these blocks, which read the cached results of
:mod:`components.ui.cache`. Nothing a user supplied is ever rendered as HTML: HTML is only
built from our palette and our own numbers, and text that may hold user data (category
names of an uploaded CSV) is escaped before it reaches Markdown.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components.engine.clustering import NInit
from components.engine.dataset import Dataset
from components.engine.describe import ClusterDescription
from components.engine.stability import StabilityResult
from components.engine.sweep.silhouette import BORDER_SILHOUETTE
from components.engine.sweep.suggestions import KSuggestion
from components.figures.insight import choose_k_verdict
from components.figures.palette import PALETTE, hex_to_rgb
from components.figures.silhouette import SILHOUETTE_BINS
from components.figures.stability import stability_note
from components.ui import cache, keys
from components.ui.settings import K_KEY, N_INIT_KEY, SPLIT_KEY
from components.ui.tables import swatch_column_config, swatch_data_url
from components.ui.text import escape_markdown, message_markdown
from components.ui.url_state import N_INIT_CHOICES, ClusterSettings
from components.ui.widgets import stepped_slider

# Widget keys (also what the AppTest tests address).
BORDER_ONLY_KEY = "silhouette_border_only"
STABILITY_N_INIT_PREFIX = "stability_n_init_"
RUN_STABILITY_KEY = "run_stability"
CLUSTERGRAM_RANGE_KEY = "clustergram_range"
CARD_KEY_PREFIX = "cluster_card_"

SUGGESTED_N_INIT = 10
_STABILITY_DONE_STATE = "_stability_done"  # (model key, n_init) -> seconds the check took
_STABILITY_REQUEST_STATE = "_stability_requested"
_ROW_PX = 35  # height of a st.dataframe row


# ----------------------------------------------------------------------- helpers


def swatch_html(colour: str, size_em: float = 1.0) -> str:
    """A small square of a palette colour as an HTML span (colour validated as ``#RRGGBB``).

    Parameters
    ----------
    colour : str
        ``#RRGGBB``; anything else raises ValueError, so nothing else reaches the HTML.
    size_em : float
        Side of the square in em, in (0, 3].

    Returns
    -------
    str
        The span.
    """
    red, green, blue = hex_to_rgb(colour)
    if not 0 < float(size_em) <= 3:
        raise ValueError(f"size_em={size_em!r} is out of range; expected a number in (0, 3].")
    return (
        f'<span style="display:inline-block;width:{float(size_em):g}em;'
        f"height:{float(size_em):g}em;border-radius:3px;vertical-align:-0.15em;"
        f'background:rgb({red},{green},{blue})"></span>'
    )


def _starts_label(key: keys.ModelKey, n_init: NInit) -> str:
    """How a k-means starts setting reads on the page: what "auto" means for these data."""
    n_starts = cache.model.n_starts(key, n_init)
    plural = "s" if n_starts != 1 else ""
    return f"auto ({n_starts} start{plural})" if n_init == "auto" else f"{n_starts} start{plural}"


def plain_chart(figure: go.Figure, key: str) -> None:
    """Draw a Plotly chart without Plotly's toolbar."""
    st.plotly_chart(figure, key=key, config={"displayModeBar": False})


def with_swatches(table: pd.DataFrame) -> pd.DataFrame:
    """The table with a first column "colour" holding each "cluster"'s swatch image."""
    colours = [swatch_data_url(PALETTE[int(c)]) for c in table["cluster"]]
    return table.assign(colour=colours)[["colour", *table.columns]]


# ------------------------------------------------------------------ choose k page


def _suggestion_metrics(
    suggestion: KSuggestion, best_silhouette: float, current_k: int, k_key: str
) -> None:
    """The three suggested k's as metrics, each with a button that sets ``k_key`` to that k."""
    entries = [
        (
            "Knee of the inertia curve",
            suggestion.knee,
            "Where one more cluster stops shrinking the within-cluster spread much.",
        ),
        (
            "Best silhouette (higher is better)",
            suggestion.best_silhouette,
            f"Highest mean silhouette: {best_silhouette:.3f}.",
        ),
        (
            "Best Calinski-Harabasz (higher is better)",
            suggestion.best_calinski_harabasz,
            "Highest ratio of the spread between clusters to the spread within them.",
        ),
    ]
    for index, (column, (label, k, help_text)) in enumerate(
        zip(st.columns(3), entries, strict=True)
    ):
        with column:
            if k is None:
                st.metric(label, "none", help="The inertia curve has no clear knee in range.")
                continue
            st.metric(label, f"k = {k}", help=help_text)
            st.button(
                f"Show k = {k}" if k != current_k else f"k = {k} is shown",
                key=f"show_k_{index}",  # two criteria may suggest the same k
                on_click=st.session_state.update,
                args=({k_key: int(k)},),
                disabled=k == current_k,
            )


# The metrics table's columns: title, number format and help.
_METRIC_COLUMNS = {
    "k": ("k", "%d", None),
    "inertia": ("inertia", "%.0f", "Sum of squared distances to the centres."),
    "silhouette": ("silhouette ↑", "%.3f", "Higher is better (at most 1)."),
    "calinski_harabasz": ("Calinski-Harabasz ↑", "%.0f", "Higher is better."),
    "davies_bouldin": ("Davies-Bouldin ↓", "%.3f", "Lower is better (at least 0)."),
    "fit_seconds": ("fit time (s)", "%.2f", "Wall time of the k-means fit."),
    "silhouette_spread": (
        "silhouette ± (spread)",
        "%.3f",
        "Standard deviation of the silhouette over its samples.",
    ),
    "n_iter": ("Lloyd iterations", "%d", "Iterations of the k-means fit."),
}


def metrics_section(
    suggestion: KSuggestion,
    metrics: Mapping[str, Sequence[float] | np.ndarray] | pd.DataFrame,
    figure: go.Figure,
    current_k: int,
    *,
    silhouette_note: str,
    sampled: bool,
    k_key: str = K_KEY,
) -> None:
    """The "What the metrics say" section: the suggested k's, the advice, the chart and table.

    Parameters
    ----------
    suggestion : KSuggestion
        The k's the criteria suggest.
    metrics : mapping or pandas.DataFrame
        ``metrics()`` of a sweep or of a distributed result (its ``silhouette_spread`` and
        ``n_iter`` columns are shown too).
    figure : plotly.graph_objects.Figure
        The metrics across k.
    current_k : int
        The k shown.
    silhouette_note : str
        The sentence under the chart that says how the silhouette was computed.
    sampled : bool
        Whether the silhouette is computed on samples (said in the table's header).
    k_key : str
        The k widget the suggestions' buttons set.
    """
    table = pd.DataFrame(metrics)
    k_values = [int(k) for k in table["k"]]
    best_silhouette = float(table["silhouette"].iloc[k_values.index(suggestion.best_silhouette)])
    st.header("What the metrics say")
    _suggestion_metrics(suggestion, best_silhouette, current_k, k_key)
    verdict = choose_k_verdict(suggestion, current_k, k_values)
    st.info("\n\n".join(escape_markdown(text) for text in verdict), icon=":material/lightbulb:")
    plain_chart(figure, "metrics_chart")
    st.caption(
        "A higher silhouette is better (at most 1), a higher Calinski-Harabasz is better, and a "
        "lower Davies-Bouldin is better (at least 0). Inertia always falls as k grows, so only "
        "its bend (the knee) means something. " + silhouette_note
    )
    # The numbers, one row per k, with which criteria suggest it and the shown k.
    suggested = cache.views.suggestions_of(suggestion)
    table["suggested by"] = [", ".join(s.name for s in suggested if s.k == k) for k in table["k"]]
    table["shown"] = ["◀ shown" if int(k) == current_k else "" for k in table["k"]]
    titles = {"silhouette": "silhouette ↑ (sampled)"} if sampled else {}
    column_config = {
        name: st.column_config.NumberColumn(titles.get(name, title), format=form, help=help_text)
        for name, (title, form, help_text) in _METRIC_COLUMNS.items()
    }
    with st.expander("The numbers, one row per k", expanded=False):
        st.dataframe(table, hide_index=True, column_config=column_config, key="metrics_table")


def silhouette_table(table: pd.DataFrame) -> None:
    """Per-cluster silhouette summary with colour swatches."""
    st.dataframe(
        with_swatches(table),
        hide_index=True,
        column_config={
            "colour": swatch_column_config(),
            "cluster": st.column_config.NumberColumn("cluster", format="%d"),
            "rows": st.column_config.NumberColumn("rows", format="localized"),
            "mean_silhouette": st.column_config.NumberColumn("mean silhouette ↑", format="%.3f"),
            "share_negative": st.column_config.NumberColumn("below 0", format="percent"),
            "share_border": st.column_config.NumberColumn(
                f"below {BORDER_SILHOUETTE:g}", format="percent"
            ),
        },
        key="silhouette_table",
    )


def silhouette_legend() -> None:
    """The silhouette map's colour classes as swatches (our own colours and numbers only)."""
    items = " ".join(
        f"{swatch_html(band.colour, 0.9)}&nbsp;{band.label}" for band in SILHOUETTE_BINS
    )
    st.markdown(f"<small>{items}</small>", unsafe_allow_html=True)


def _cost(key: keys.ModelKey, n_init: NInit) -> str:
    """What a check with ``n_init`` starts costs, from this model's checks in this session.

    The fitting work grows with the number of starts; the assignments and ARIs do not, so the
    time grows somewhat less than the number of starts (BENCHMARKS.md, "Measured defaults").
    """
    n_starts = cache.model.n_starts(key, n_init)
    done: dict = st.session_state.get(_STABILITY_DONE_STATE, {})
    per_start = [
        seconds / cache.model.n_starts(key, starts)
        for (model, starts), seconds in done.items()
        if model == key
    ]
    measured = (
        f"the {min(per_start):.0f} s a one-start check took here"
        if per_start
        else "the few seconds of a one-start check"
    )
    return (
        f"up to {n_starts} times {measured}, plus fitting the map once with "
        f"{_starts_label(key, n_init)} per fit (kept for the other pages)"
    )


def _run_stability(key: keys.ModelKey, n_init: NInit, k_values: Sequence[int]) -> StabilityResult:
    """The stability of the checkable k's, computed k by k with a progress bar the first time."""
    done: dict = st.session_state.setdefault(_STABILITY_DONE_STATE, {})
    if (key, n_init) not in done:
        cache.model.sweep(replace(key, n_init=n_init))  # the reference: the map with these starts
        bar = st.progress(0.0, text="Refitting k-means with other seeds and on subsets…")
        for step, k in enumerate(k_values, 1):
            cache.insight.stability_of_k(key, n_init, k)
            bar.progress(
                step / len(k_values), text=f"Refitted k = {k} ({step} of {len(k_values)} k's)…"
            )
        bar.empty()
    result = cache.insight.stability(key, n_init)
    done[(key, n_init)] = result.seconds
    return result


def stability_section(key: keys.ModelKey, settings: ClusterSettings) -> None:
    """Is k reproducible? ARI per k, flags explained, split/merge of the chosen k's clusters."""
    k = settings.n_clusters
    st.caption(
        "k-means is refitted with other seeds and on random subsets of the rows, and each "
        "result is compared with the clustering shown by the adjusted Rand index (ARI: 1 = the "
        "same clusters, about 0 = no better than chance). A k is flagged when the reruns "
        "disagree."
    )
    widget_key = f"{STABILITY_N_INIT_PREFIX}{settings.n_init}"
    choice_column, note_column = st.columns([1, 2])
    # One widget per map setting, so the check follows the map's starts until changed here.
    st.session_state.setdefault(widget_key, settings.n_init)
    n_init = choice_column.selectbox(
        "Starts per fit for this check",
        options=list(N_INIT_CHOICES),
        format_func=lambda choice: _starts_label(key, choice),
        key=widget_key,
        help="k-means keeps the best of this many k-means++ starts in every refit. More "
        "starts make each fit land in the same (best) solution more often, at a cost in time.",
    )
    starts = _starts_label(key, n_init)
    requested = st.session_state.pop(_STABILITY_REQUEST_STATE, None) == n_init
    done: dict = st.session_state.get(_STABILITY_DONE_STATE, {})
    if cache.model.n_starts(key, n_init) > 1 and (key, n_init) not in done and not requested:
        note_column.info(
            f"Each refit keeps the best of {starts}, so the check takes {_cost(key, n_init)}.",
            icon=":material/timer:",
        )
        if not note_column.button(f"Run the check with {starts} per fit", key=RUN_STABILITY_KEY):
            return
    checkable = cache.insight.checkable_k_values(key)
    if not checkable:
        st.info(
            "These data have too few rows for the check: each refit sees 80% of the rows, "
            "and 2 clusters need at least 3 of them.",
            icon=":material/info:",
        )
        return
    if checkable[-1] < cache.model.sweep(key).k_values[-1]:
        st.caption(
            f"The check covers k up to {checkable[-1]}: each refit sees 80% of the rows, and k "
            "must stay below the rows it sees."
        )
    try:
        result = _run_stability(key, n_init, checkable)
    except ValueError as error:
        st.error(f"The stability check could not run on these settings: {message_markdown(error)}")
        return

    level, note = stability_note(result)
    show, icon = (st.success, "verified") if level == "success" else (st.warning, "warning")
    show(note, icon=f":material/{icon}:")
    if result.flagged and cache.model.n_starts(key, n_init) < SUGGESTED_N_INIT:
        st.caption(
            f"A check with {SUGGESTED_N_INIT} starts per fit takes {_cost(key, SUGGESTED_N_INIT)}."
        )
        st.button(
            f"Check again with {SUGGESTED_N_INIT} starts per fit",
            key="stability_suggest_more_starts",
            on_click=st.session_state.update,
            args=({widget_key: SUGGESTED_N_INIT, _STABILITY_REQUEST_STATE: SUGGESTED_N_INIT},),
        )
    if n_init != settings.n_init:
        st.caption(
            f"This check is of the map drawn with {starts} per fit (its cluster numbers); the "
            f"map on the other pages uses {_starts_label(key, settings.n_init)}."
        )
        st.button(
            f"Draw the maps with {starts} per fit",
            key="stability_use_n_init",
            on_click=st.session_state.update,
            args=({N_INIT_KEY: n_init},),
        )

    chart_column, table_column = st.columns([4, 3])
    with chart_column:
        plain_chart(cache.insight.stability_figure(key, n_init, k), "stability_chart")
        st.caption(result.method + f" This check took {result.seconds:.1f} s of computing.")
    with table_column:
        table = result.table()
        st.dataframe(
            table,
            hide_index=True,
            column_order=("k", "ari_mean", "ari_std", "ari_min", "reproducible"),
            height=_ROW_PX * (len(table) + 1) + 3,  # every k visible without scrolling
            column_config={
                "k": st.column_config.NumberColumn("k", format="%d", width="small"),
                "ari_mean": st.column_config.NumberColumn(
                    "mean ARI ↑", format="%.2f", width="small"
                ),
                "ari_std": st.column_config.NumberColumn("sd", format="%.2f", width="small"),
                "ari_min": st.column_config.NumberColumn("lowest", format="%.2f", width="small"),
                "reproducible": st.column_config.CheckboxColumn("reproducible", width="small"),
            },
            key="stability_table",
        )

    entry = result.for_k(k)
    st.subheader(f"Which clusters split or merge at k = {k}")
    (st.success if entry.reproducible else st.warning)(entry.summary)
    st.dataframe(
        with_swatches(entry.cluster_table()),
        hide_index=True,
        column_config={
            "colour": swatch_column_config(),
            "cluster": st.column_config.NumberColumn("cluster", format="%d"),
            "size": st.column_config.NumberColumn("rows", format="localized"),
            "jaccard_mean": st.column_config.NumberColumn(
                "kept together (mean Jaccard) ↑",
                format="%.2f",
                help="Overlap with its best match in each rerun: ≥ 0.75 stable, 0.60-0.75 a "
                "pattern whose exact members are doubtful, < 0.60 not to be trusted.",
            ),
            "jaccard_min": st.column_config.NumberColumn("worst rerun", format="%.2f"),
            "split_share": st.column_config.NumberColumn(
                "splits in", format="percent", help="Share of reruns in which it splits."
            ),
            "merge_share": st.column_config.NumberColumn(
                "merges in", format="percent", help="Share of reruns in which it merges."
            ),
            "merged_with": st.column_config.TextColumn("merges with clusters"),
            "verdict": st.column_config.TextColumn("verdict"),
        },
        key="stability_cluster_table",
    )


def clustergram_range(k_values: Sequence[int]) -> tuple[int, int]:
    """The k range of the clustergram (a range slider, default 2..8)."""
    low, high = int(k_values[0]), int(k_values[-1])
    chosen = stepped_slider(
        st,
        "k from … to …",
        (low, high, 1),
        key=CLUSTERGRAM_RANGE_KEY,
        value=(max(low, 2), min(high, 8)),  # more columns than 8 get hard to read
        help="More than about six columns get hard to read.",
    )
    first, last = int(chosen[0]), int(chosen[1])
    if first == last:  # one column shows no flow; widen by one
        first, last = (first, last + 1) if last < high else (first - 1, last)
    return first, last


# -------------------------------------------------------------- explain page


def _ratio_delta(ratio: float | None) -> str | None:
    if ratio is None or not math.isfinite(ratio):
        return None
    return f"{(ratio - 1) * 100:+.0f}% vs all"


def _short_value(dataset: Dataset, column: str, value: float | None) -> str:
    """A value short enough for a metric in a third of the page ("$121k", "3.2")."""
    if value is None or not math.isfinite(value):
        return "n/a"
    if dataset.unit(column) == "USD":
        return f"${value / 1000:,.0f}k"
    if column == dataset.income_column:  # the census unit: tens of thousands of USD
        return f"${value * 10:,.0f}k"
    size = abs(value)
    if size >= 1e6:
        return f"{value / 1e6:,.3g}M"
    if size >= 1e4:
        return f"{value / 1e3:,.3g}k"
    return f"{value:,.0f}" if size >= 100 else f"{value:.3g}"


def cluster_card(
    description: ClusterDescription, dataset: Dataset, value_column: str, name: str = ""
) -> None:
    """One cluster in a bordered card: swatch, name and size, values against all data, words."""
    d = description
    places = dataset.place_word
    with st.container(border=True, key=f"{CARD_KEY_PREFIX}{d.cluster}"):
        st.markdown(
            f"{swatch_html(PALETTE[d.cluster], 1.1)}&nbsp; **Cluster {int(d.cluster)}** · "
            f"{int(d.size):,} {places} ({float(d.share):.0%})",
            unsafe_allow_html=True,
        )
        if name:  # the analyst's text: Markdown-escaped, never HTML
            st.markdown(f"**{escape_markdown(name)}**")
        value_label = escape_markdown(dataset.label(value_column))
        metrics = [(value_label, value_column, d.value_median, d.value_ratio)]
        if dataset.income_column is not None and dataset.income_column != value_column:
            metrics.append(("Income", dataset.income_column, d.income_median, d.income_ratio))
        for column, (label, field, median, ratio) in zip(st.columns(2), metrics, strict=False):
            column.metric(
                label,
                _short_value(dataset, field, median),
                _ratio_delta(ratio),
                delta_color="off",
                help=f"Median of the cluster's {places}, against the same median over all.",
            )
        st.markdown(escape_markdown(d.summary))
        if d.category_shares:
            mix = ", ".join(
                f"{name} {share:.0%}" for name, share in d.category_shares.items() if share >= 0.005
            )
            category = (dataset.category_column or "").replace("_", " ").capitalize()
            st.caption(f"{category}: {escape_markdown(mix)}")


def cluster_cards(
    descriptions: Sequence[ClusterDescription],
    dataset: Dataset,
    value_column: str,
    names: Sequence[str],
) -> None:
    """The clusters' cards in a grid, three to a row, in cluster order, named."""
    for start in range(0, len(descriptions), 3):
        row = descriptions[start : start + 3]
        for column, description in zip(st.columns(3), row, strict=False):
            with column:
                cluster = int(description.cluster)
                name = names[cluster] if cluster < len(names) else ""
                cluster_card(description, dataset, value_column, name)


def split_offer() -> None:
    """Explain the train/test check and offer to turn the shared split setting on."""
    st.info(
        "The check fits k-means on two thirds of the rows (the tutorial's train_test_split with "
        "test_size 0.33, random_state 0), assigns the other third to the nearest centre, and "
        "compares each cluster's prices in both parts. It needs the train/test split, which is "
        "off.",
        icon=":material/call_split:",
    )
    st.button(
        "Turn the train/test split on",
        key="turn_split_on",
        on_click=st.session_state.update,
        args=({SPLIT_KEY: True},),
        help="The same setting as 'Train/test split' in the sidebar; it applies to every page.",
    )
