"""Tests for components.engine.messages: plain text that keeps which parts are code."""

from __future__ import annotations

import copy
import pickle

from components.engine.messages import Code, Message, message
from components.engine.upload import PlacesError


def test_a_message_is_its_plain_text_and_keeps_its_parts() -> None:
    inner = message("set ", Code("GEOCLUSTER_DATA"))
    said = message("Either ", inner, ", or run ", Code("git checkout -- x"), ".")
    assert isinstance(said, str) and isinstance(said, Message)
    assert said == "Either set GEOCLUSTER_DATA, or run git checkout -- x."
    assert said.parts == (
        "Either ",
        "set ",
        Code("GEOCLUSTER_DATA"),
        ", or run ",
        Code("git checkout -- x"),
        ".",
    )
    assert not Code("one line").is_block and Code("two\nlines", "python").is_block


def test_an_error_with_a_message_survives_a_copy_and_a_pickle() -> None:
    error = PlacesError(message("Run ", Code("x --y"), "."))
    for again in (pickle.loads(pickle.dumps(error)), copy.deepcopy(error)):
        assert str(again) == "Run x --y."
        assert isinstance(again.args[0], Message)
        assert again.args[0].parts == ("Run ", Code("x --y"), ".")
