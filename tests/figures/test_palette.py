"""Tests for components.figures.palette: the palette, cluster colours, contrast, no Streamlit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from components.figures import palette
from components.figures.palette import PALETTE, hex_to_rgb

PROJECT_ROOT = Path(__file__).resolve().parents[2]


OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]


# ------------------------------------------------------------------ palette


def test_palette_starts_with_okabe_ito_and_has_15_distinct_colours() -> None:
    assert list(PALETTE[:8]) == OKABE_ITO
    assert len(PALETTE) == 15
    assert len({colour.upper() for colour in PALETTE}) == 15
    assert palette.NOT_CLUSTERED_COLOUR not in PALETTE


def test_label_colour_contrasts_with_the_swatch() -> None:
    assert palette.label_colour("#000000") == "#FFFFFF"
    assert palette.label_colour("#FFFFFF") == "#000000"
    assert palette.label_colour("#F0E442") == "#000000"  # yellow: black text
    assert palette.label_colour("#0072B2") == "#FFFFFF"  # blue: white text


def test_hex_to_rgb_and_cluster_colour() -> None:
    assert hex_to_rgb("#0072B2") == (0, 114, 178)
    assert hex_to_rgb("E69F00") == (230, 159, 0)
    assert palette.cluster_colour(3) == "#CC79A7"
    assert palette.cluster_colour(-1) == palette.NOT_CLUSTERED_COLOUR
    with pytest.raises(ValueError, match=r"cluster=15 is out of range"):
        palette.cluster_colour(15)
    with pytest.raises(ValueError, match="#RRGGBB"):
        hex_to_rgb("#123")


@pytest.mark.slow
def test_pure_modules_import_without_streamlit() -> None:
    code = (
        "import sys\n"
        "import components.figures, components.engine.export, components.ui.url_state\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] == 'streamlit')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
