"""The saved models this session applies: read once, held in the session, looked up by digest."""

from __future__ import annotations

import hashlib

import streamlit as st

from components.engine.saved_model import SavedModel, read_model

# The session holds at most this many model files (each at most 1 MB as read).
MAX_MODELS = 4
_MODELS_STATE = "_saved_models"


def hold(raw: bytes) -> tuple[str, SavedModel]:
    """Read a model file (with limits, never evaluated) and hold it in this session.

    Raises ``ModelFileError`` saying what is wrong with the file and what to do.
    """
    model = read_model(raw)
    digest = hashlib.sha256(raw).hexdigest()[:16]  # how the settings and the link name it
    models: dict[str, SavedModel] = st.session_state.setdefault(_MODELS_STATE, {})
    models.pop(digest, None)
    models[digest] = model
    while len(models) > MAX_MODELS:  # the oldest goes first
        models.pop(next(iter(models)))
    return digest, model


def held(digest: str) -> SavedModel | None:
    """The model this session holds under ``digest``, or None."""
    return st.session_state.get(_MODELS_STATE, {}).get(digest)
