"""Where the demo's hand-edited data files live, and how they are read.

The files are read from the repository checkout (``data/`` beside ``twin/``), not from the
installed package: they are versioned and reviewed with the code that reads them.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

__all__ = ["DATA_DIR", "load_yaml"]

DATA_DIR = Path(__file__).resolve().parents[2] / "data"


def load_yaml(path: Path, required: Iterable[str] = ()) -> dict[str, Any]:
    """A YAML mapping read with ``yaml.safe_load``, checked for its top-level keys.

    Parameters
    ----------
    path : Path
        The file, UTF-8.
    required : iterable of str
        Top-level keys the file must have.

    Raises
    ------
    ValueError
        When the file holds no mapping or lacks one of ``required``.
    """
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping at the top level")
    missing = [key for key in required if key not in data]
    if missing:
        raise ValueError(f"{path}: missing {', '.join(missing)}")
    return data
