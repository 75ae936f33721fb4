"""The plain housing CSV the tests compare the app against, wherever this clone stands.

Beside the project (``../shared/data/housing.csv``, as in CI) when it is there; otherwise
the shipped ``data/housing.csv.gz`` unpacked once into the temp folder after its sha256 is
checked, so the README's test command also runs on a clone with nothing beside it.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_CSV = PROJECT_ROOT.parent / "shared" / "data" / "housing.csv"
SHIPPED_GZ = PROJECT_ROOT / "data" / "housing.csv.gz"
# The published sha256 of housing.csv (README, "The data").
PUBLISHED_SHA256 = "8a3727f4cf54ac1a327f69b1d5b4db54c5834ea81c6e4efc0d163300022a685e"


def housing_csv() -> Path:
    """Path of the reference housing CSV: the shared copy, else the shipped one unpacked.

    Returns
    -------
    pathlib.Path
        A plain CSV whose bytes have the published sha256.
    """
    if SHARED_CSV.is_file():
        return SHARED_CSV
    target = Path(tempfile.gettempdir()) / f"geocluster-housing-{PUBLISHED_SHA256[:12]}.csv"
    if not target.is_file():
        raw = gzip.decompress(SHIPPED_GZ.read_bytes())
        if hashlib.sha256(raw).hexdigest() != PUBLISHED_SHA256:
            raise RuntimeError(f"{SHIPPED_GZ} does not hold the published housing.csv.")
        partial = target.with_name(f"{target.name}.{os.getpid()}.part")
        partial.write_bytes(raw)
        partial.replace(target)  # atomic: parallel test processes never read half a file
    return target


HOUSING_CSV = housing_csv()
