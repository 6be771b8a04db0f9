"""Model limits, reported with every result the way ALOHA reports them.

A consequence model is a simplification that holds only inside the conditions it was
fitted to. Rather than refuse a run outside them, each model returns `ModelWarning` items
naming the limit that was crossed, so a commander sees how far to trust the picture.

Examples
--------
>>> w = ModelWarning("low_wind", "wind 0.8 m/s is below 1.5 m/s: the plume meanders")
>>> w.code, w.as_dict()["message"][:9]
('low_wind', 'wind 0.8 ')
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ModelWarning", "unique"]


@dataclass(frozen=True, slots=True)
class ModelWarning:
    """One limit of a model that the inputs or the distances asked for reach.

    Attributes
    ----------
    code : str
        Stable snake_case identifier (``"low_wind"``, ``"near_field"``…), for programs.
    message : str
        What the limit is and what it means for the numbers, for people.
    """

    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        """The warning as a JSON-ready mapping."""
        return {"code": self.code, "message": self.message}


def unique(warnings: list[ModelWarning] | tuple[ModelWarning, ...]) -> tuple[ModelWarning, ...]:
    """Drop repeated warnings (same code and message), keeping first-seen order.

    Examples
    --------
    >>> a = ModelWarning("x", "one")
    >>> [w.message for w in unique([a, ModelWarning("y", "two"), a])]
    ['one', 'two']
    """
    return tuple(dict.fromkeys(warnings))
