"""Where the demo's hand-edited data files live, and how they are read.

The files are read from the repository checkout (``data/`` beside ``twin/``), not from the
installed package: they are versioned and reviewed with the code that reads them.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

__all__ = ["DATA_DIR", "load_yaml"]

DATA_DIR = Path(__file__).resolve().parents[2] / "data"


@lru_cache(maxsize=16)
def load_yaml(path: Path, required: tuple[str, ...] = ()) -> dict[str, Any]:
    """A YAML mapping read with ``yaml.safe_load``, checked for its top-level keys.

    The result is cached per path: treat it as read-only.

    Parameters
    ----------
    path : Path
        The file, UTF-8.
    required : tuple of str
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
