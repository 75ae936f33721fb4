"""The hostile model files on the module path: each refused with its message, or read as text."""

from __future__ import annotations

import pytest

from components.engine.saved_model import ModelFileError, model_json, read_model
from tests.hostile.catalogue import jargon
from tests.hostile.model_files import (
    HOSTILE_CLUSTER_NAMES,
    HOSTILE_FEATURE_NAMES,
    MODEL_FILES,
    ModelFileCase,
)


def test_the_catalogue_covers_the_issue() -> None:
    ids = {case.id for case in MODEL_FILES}
    assert len(ids) == len(MODEL_FILES) >= 40
    asked = {"schema-7", "over-1-mb", "nesting-10000", "nan-centroid", "infinity-centroid"}
    asked |= {"centroids-3-rows", "hostile-feature-names", "csv", "list", "utf-16"}
    assert asked <= ids


@pytest.mark.parametrize("case", MODEL_FILES, ids=[case.id for case in MODEL_FILES])
def test_model_file(case: ModelFileCase) -> None:
    content = case.make()
    if not case.refused:
        model = read_model(content)
        assert read_model(model_json(model)) == model  # read, it saves and reads back the same
        return
    # Only this exception: never a RecursionError, a decoding error or a bare KeyError.
    with pytest.raises(ModelFileError) as info:
        read_model(content)
    said = info.value.args[0]
    assert case.expect in str(said), said
    assert not case.absent or case.absent not in str(said)
    assert not jargon(said), said
    assert len(said) < 1_000  # nothing of the file is echoed whole


def test_names_with_markup_are_read_as_written() -> None:
    by_id = {case.id: case for case in MODEL_FILES}
    features = read_model(by_id["hostile-feature-names"].make()).feature_names
    assert features == HOSTILE_FEATURE_NAMES
    assert read_model(by_id["hostile-cluster-names"].make()).names == HOSTILE_CLUSTER_NAMES
