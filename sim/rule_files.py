"""Checks every versioned rule file shares (GB 18218 rules, the chemical table): field
names, mappings and CAS numbers, with a message that says where in the file it broke.

Each caller passes its own error class, so a bad file is reported in its own terms.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import yaml

__all__ = ["ANNOTATIONS", "as_mapping", "check_cas", "check_keys", "read_rule_file"]

T = TypeVar("T")

# Fields any entry may carry for people, not for the model.
ANNOTATIONS = frozenset({"check", "note", "source"})
_CAS = re.compile(r"(\d{2,7})-(\d{2})-(\d)")


def check_cas(number: Any, where: str, error: type[Exception]) -> None:
    """Raise ``error`` unless ``number`` is a CAS registry number with a valid check digit.

    Examples
    --------
    >>> check_cas("7664-41-7", "ammonia", ValueError)
    >>> check_cas("7664-41-8", "ammonia", ValueError)
    Traceback (most recent call last):
    ValueError: ammonia: '7664-41-8' fails the CAS check digit; look for a typo
    """
    match = _CAS.fullmatch(number) if isinstance(number, str) else None
    if match is None:
        raise error(f"{where}: {number!r} is not a CAS number like '7664-41-7'")
    # CAS check digit: the other digits, from the right, weighted 1, 2, 3, …, mod 10.
    digits = (match[1] + match[2])[::-1]
    if sum(i * int(d) for i, d in enumerate(digits, start=1)) % 10 != int(match[3]):
        raise error(f"{where}: {number!r} fails the CAS check digit; look for a typo")


def check_keys(
    entry: Mapping[str, Any],
    where: str,
    required: set[str],
    optional: set[str],
    error: type[Exception],
) -> None:
    """Raise ``error`` on a missing required field or an unknown one (annotations pass)."""
    missing = sorted(required - entry.keys())
    if missing:
        raise error(f"{where}: missing {', '.join(missing)}")
    unknown = sorted(str(k) for k in entry.keys() - required - optional - ANNOTATIONS)
    if unknown:
        raise error(f"{where}: unknown field(s) {', '.join(unknown)}")


def as_mapping(value: Any, where: str, error: type[Exception]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise error(f"{where}: expected a mapping, got {type(value).__name__}")
    return value


def read_rule_file(
    path: str | os.PathLike[str],
    parse: Callable[[Mapping[str, Any]], T],
    error: type[Exception],
) -> T:
    """Read a YAML rule file and hand its top-level mapping to ``parse``; any problem is
    raised as ``error`` prefixed with the file's path."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        data = yaml.safe_load(text)
        if not isinstance(data, Mapping):
            raise error("the file must hold a mapping at the top level")
        return parse(data)
    except (yaml.YAMLError, error) as exc:
        raise error(f"{os.fspath(path)}: {exc}") from exc
