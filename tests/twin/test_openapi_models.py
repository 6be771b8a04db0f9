"""Routes return declared response models, so the OpenAPI document describes every answer.

Every JSON answer (2xx) in ``/openapi.json`` must have a schema that says what it holds:
not ``{}``, not a bare ``{"type": "object"}`` (``dict[str, Any]``), not an array of those.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

JSON_MEDIA = re.compile(r"^application/(.+\+)?json\b")
METHODS = ("get", "put", "post", "delete", "patch", "options", "head")


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        node: Any = doc
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def untyped(doc: dict[str, Any], schema: dict[str, Any] | bool | None) -> bool:
    """Whether ``schema`` leaves the answer's content unsaid: ``{}``, an object with no
    properties nor a typed ``additionalProperties``, an array of such, or a union with
    such a branch."""
    if not isinstance(schema, dict):
        return True  # absent, or the ``true`` schema
    schema = _resolve(doc, schema)
    branches = schema.get("anyOf") or schema.get("oneOf")
    if branches:
        return any(untyped(doc, b) for b in branches)
    if "allOf" in schema:
        return all(untyped(doc, b) for b in schema["allOf"])
    if "const" in schema or "enum" in schema:
        return False
    kind = schema.get("type")
    if kind == "array":
        return untyped(doc, schema.get("items"))
    if kind == "object" or (kind is None and ("properties" in schema or not schema)):
        if schema.get("properties") or schema.get("patternProperties"):
            return False
        extra = schema.get("additionalProperties")
        return not isinstance(extra, dict) or untyped(doc, extra)
    return kind is None


def untyped_answers(doc: dict[str, Any]) -> set[tuple[str, str]]:
    """(METHOD, path) of every operation with a JSON 2xx answer whose schema is untyped."""
    found = set()
    for path, operations in doc["paths"].items():
        for method in METHODS:
            operation = operations.get(method)
            if operation is None:
                continue
            for status, answer in operation.get("responses", {}).items():
                if not status.startswith("2"):
                    continue
                for media, content in (answer.get("content") or {}).items():
                    if JSON_MEDIA.match(media) and untyped(doc, content.get("schema")):
                        found.add((method.upper(), path))
    return found


def test_the_checker_tells_typed_from_untyped() -> None:
    doc = {"components": {"schemas": {"Open": {"type": "object"}}}}
    for schema in (
        {},
        {"type": "object"},
        {"type": "object", "additionalProperties": True},
        {"type": "array", "items": {"type": "object", "additionalProperties": True}},
        {"type": "array"},
        {"$ref": "#/components/schemas/Open"},
        {"anyOf": [{"type": "object"}, {"type": "null"}]},
    ):
        assert untyped(doc, schema), schema
    for schema in (
        {"type": "string"},
        {"type": "object", "properties": {"a": {"type": "integer"}}},
        {"type": "object", "additionalProperties": {"type": "integer"}},
        {"type": "array", "items": {"type": "number"}},
        {"anyOf": [{"type": "string"}, {"type": "null"}]},
        {"const": "Feature"},
    ):
        assert not untyped(doc, schema), schema


def test_every_json_answer_declares_its_schema(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    missing = untyped_answers(doc)
    assert not missing, "declare a response model for: " + ", ".join(
        f"{m} {p}" for m, p in sorted(missing, key=lambda r: (r[1], r[0]))
    )
