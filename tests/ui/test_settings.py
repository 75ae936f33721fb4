"""Tests of the pure helpers in components/ui/settings.py (no Streamlit server needed)."""

from __future__ import annotations

from components.ui import keys
from components.ui.settings import source_param


def test_a_link_names_the_census_data_or_an_upload_by_its_digest() -> None:
    assert source_param(keys.DataSource(kind=keys.SOURCE_HOUSING, name="/x.csv")) == "housing"
    upload = keys.DataSource(kind=keys.SOURCE_UPLOAD, name="ab" * 32, label="f.csv")
    assert source_param(upload) == "upload:" + "ab" * 8
