"""Saved models: the current model as a small JSON file, and a saved model applied to data.

A model file holds the features, their transforms, the scaler's parameters, the centres of
the k clusters, their names and the sha256 of the data it was fitted on
(:mod:`components.engine.saved_model`). Applied on the Data page, it labels every place of
the active data with its nearest centre, and the "model" method shows those labels on every
page like any clustering.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import streamlit as st

from components.engine.dataset import Dataset
from components.engine.saved_model import apply_model, model_json, saved_model
from components.ui import cache, keys
from components.ui.settings import saved_settings, use_settings
from components.ui.text import escape_markdown, message_markdown
from components.ui.widgets import ModelView

MODEL_UPLOAD_KEY = "data_model_upload"
USE_MODEL_KEY = "data_use_model"
MODEL_DOWNLOAD_KEY = "download_model"


def _centroids(key: keys.ModelKey, k: int, labels: np.ndarray) -> np.ndarray:
    """The k centres in the scaled space: k-means' own, else the means of their rows."""
    if key.method == "kmeans":
        return cache.model.sweep_fits(key).centroids_for(k)
    rows = cache.model.scaled(key).train
    sums = np.stack([np.bincount(labels, weights=column, minlength=k) for column in rows.T], 1)
    return sums / np.maximum(np.bincount(labels, minlength=k), 1)[:, None]


def model_download(view: ModelView, k: int, names: list[str]) -> None:
    """Offer the model of the view at k as a JSON file (built on click).

    Parameters
    ----------
    view : ModelView
        The page's model (its key, data and settings).
    k : int
        The number of clusters shown.
    names : list of str
        The clusters' names.
    """
    key, data = view.key, view.dataset
    content: bytes | Callable[[], bytes]
    if key.method == "model":
        held = cache.saved_models.held(key.saved_model)
        content = b"" if held is None else model_json(held)
    else:
        labels = np.asarray(cache.model.method_labels(key, k))
        pieces = (
            cache.model.prepared(key).feature_names,
            cache.model.scaled(key),
            labels,
            _centroids(key, k, labels),
        )

        def content() -> bytes:
            return model_json(
                saved_model(
                    *pieces, names=tuple(names), source_name=data.name, source_sha256=data.sha256
                )
            )

    st.download_button(
        "Download the model (JSON)",
        data=content,
        file_name=f"model_k{k}.json",
        mime="application/json",
        on_click="ignore",
        key=MODEL_DOWNLOAD_KEY,
        help="The features, their transforms, the scaler, the k centres and the names: apply "
        "it to another file of places on the Data page.",
    )


def apply_block(data_source: keys.DataSource, data: Dataset) -> None:
    """The Data page's block that applies a saved model file to the active data."""
    st.subheader("Apply a saved model")
    st.caption(
        "A model saved by this app (Download the model on the Clusters page) labels each "
        "place of these data with its nearest centre, in the same prepared space; its "
        "typicality is that distance as a percentile of the distances in the data the model "
        "was fitted on (0 = as close as the closest, 100 = as far as the farthest)."
    )
    uploaded = st.file_uploader("A model file (JSON)", type=["json"], key=MODEL_UPLOAD_KEY)
    if uploaded is None:
        return
    try:
        digest, model = cache.saved_models.hold(uploaded.getvalue())
        applied = apply_model(model, data.places.frame)
    except ValueError as error:
        st.error(f"**This model cannot be applied here.** {message_markdown(error)}")
        return
    features = ", ".join(escape_markdown(name) for name in model.feature_names)
    st.markdown(
        f"A model of **k = {model.k}** clusters on {features}, fitted on "
        f"{escape_markdown(model.source_name)} ({model.created}); "
        + ", ".join(f"{size:,}" for size in applied.sizes)
        + f" of these {data.place_word} per cluster."
    )
    if applied.message:
        st.info(escape_markdown(applied.message))
    saved = saved_settings(data_source, data)
    settings = replace(
        saved,
        features=model.feature_names,
        scaler=model.scaler,
        location_weight=model.location_weight or 1.0,
        transforms=(),
        split=False,
        method="model",
        model=digest,
        n_clusters=model.k,
        names=model.names,
    )
    chosen = saved.method == "model" and saved.model == digest
    st.button(
        "Show this model's clusters on every page",
        key=USE_MODEL_KEY,
        on_click=use_settings,
        args=(data_source, settings),
        disabled=chosen,
        icon=":material/label:",
    )
    if chosen:
        st.caption("Every page shows this model's clusters (Method: a saved model, applied).")
