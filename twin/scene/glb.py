"""Meshes to one binary glTF (GLB) with named nodes, through VTK's glTF exporter.

Why not ``pyvista.Plotter.export_gltf``: the Plotter probes OpenGL when it is created,
which needs an X display, EGL or OSMesa and crashes the process when none is installed;
it writes only text ``.gltf`` to a file; and it names nodes ``mesh0``, ``mesh1`` …
``vtkGLTFExporter`` itself never renders: it walks the renderers' actors, so a bare
``vtkRenderWindow`` that is never shown gives the same file on a server without any GL
library. The pinned VTK's exporter names each node and mesh after its actor's
``ObjectName`` (older ones wrote ``meshN`` in actor order); we set that to the part's
name, check every name arrived (the exporter silently skips empty meshes and would drop
the names of an older VTK), and pack the inline base64 buffers into a GLB.
"""

from __future__ import annotations

import base64
import json
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyvista as pv
from vtkmodules.vtkIOExport import vtkGLTFExporter
from vtkmodules.vtkRenderingCore import vtkActor, vtkPolyDataMapper, vtkRenderer, vtkRenderWindow

__all__ = ["Part", "gltf_from_parts", "pack_glb"]

GLB_MAGIC = b"glTF"
GLB_VERSION = 2
JSON_CHUNK = b"JSON"
BIN_CHUNK = b"BIN\x00"
DATA_URI = "data:application/octet-stream;base64,"


@dataclass(frozen=True, slots=True)
class Part:
    """One scene node: a mesh with a unique name, a colour and what it stands for."""

    name: str
    mesh: pv.PolyData
    rgb: tuple[float, float, float]
    extras: Mapping[str, Any] = field(default_factory=dict)


def _actor(part: Part) -> vtkActor:
    mapper = vtkPolyDataMapper()
    mapper.SetInputData(part.mesh)
    mapper.ScalarVisibilityOff()
    actor = vtkActor()
    actor.SetMapper(mapper)
    actor.GetProperty().SetColor(*part.rgb)
    actor.SetObjectName(part.name)
    return actor


def _drop_cameras(gltf: dict[str, Any]) -> None:
    """Remove VTK's camera node: the browser places its own, and VTK's was never aimed."""
    nodes = gltf.get("nodes", [])
    keep = [i for i, node in enumerate(nodes) if "camera" not in node]
    new_index = {old: new for new, old in enumerate(keep)}
    gltf["nodes"] = [nodes[i] for i in keep]
    for node in gltf["nodes"]:
        if "children" in node:
            node["children"] = [new_index[c] for c in node["children"] if c in new_index]
    for scene in gltf.get("scenes", []):
        scene["nodes"] = [new_index[n] for n in scene.get("nodes", []) if n in new_index]
    gltf.pop("cameras", None)


def gltf_from_parts(
    parts: Sequence[Part], *, root_name: str, scene_extras: Mapping[str, Any]
) -> dict[str, Any]:
    """The glTF document (JSON, buffers inline) holding one named node per part.

    Parameters
    ----------
    parts : sequence of Part
        Non-empty triangle meshes with unique names, already in glTF's y-up frame.
    root_name : str
        Name of the node holding every part.
    scene_extras : mapping
        Stored as the scene's ``extras`` (glTF's place for application data).

    Returns
    -------
    dict
        A glTF 2.0 document whose buffers are base64 data URIs.

    Raises
    ------
    ValueError
        When names repeat or a part did not reach the file (an empty mesh).
    """
    names = [p.name for p in parts]
    if len(set(names)) != len(names):
        raise ValueError("scene part names must be unique")
    window, renderer = vtkRenderWindow(), vtkRenderer()
    window.AddRenderer(renderer)
    for part in parts:
        renderer.AddActor(_actor(part))
    exporter = vtkGLTFExporter()
    exporter.SetRenderWindow(window)
    exporter.SetInlineData(True)
    exporter.SetSaveNormal(True)
    gltf: dict[str, Any] = json.loads(exporter.WriteToString())

    _drop_cameras(gltf)
    by_name = {p.name: p for p in parts}
    exported = set()
    for node in gltf["nodes"]:
        named = by_name.get(node.get("name", ""))
        if named is not None:
            exported.add(named.name)
            if named.extras:
                node["extras"] = dict(named.extras)
        elif "children" in node:
            node["name"] = root_name
    missing = sorted(set(names) - exported)
    if missing:
        raise ValueError(f"{len(missing)} scene parts were not exported, e.g. {missing[0]}")
    gltf["scenes"][0]["name"] = root_name
    gltf["scenes"][0]["extras"] = dict(scene_extras)
    gltf["asset"]["generator"] = "plant-twin scene (VTK glTF exporter)"
    return gltf


def _pad(data: bytes, filler: bytes) -> bytes:
    return data + filler * (-len(data) % 4)


def pack_glb(gltf: dict[str, Any]) -> bytes:
    """Pack a glTF document with data-URI buffers into binary glTF (one BIN chunk).

    Each buffer starts on a 4-byte boundary, as accessors of 32-bit components require.

    Examples
    --------
    >>> doc = {"asset": {"version": "2.0"}, "buffers": [{"byteLength": 1,
    ...        "uri": "data:application/octet-stream;base64,AQ=="}],
    ...        "bufferViews": [{"buffer": 0, "byteLength": 1}]}
    >>> glb = pack_glb(doc)
    >>> glb[:4], len(glb) % 4
    (b'glTF', 0)
    """
    doc = dict(gltf)
    blob = bytearray()
    starts = []
    for buffer in doc.get("buffers", []):
        uri = buffer.get("uri", "")
        if not uri.startswith(DATA_URI):
            raise ValueError("only inline (data URI) buffers can be packed")
        starts.append(len(blob))
        blob += _pad(base64.b64decode(uri[len(DATA_URI) :]), b"\x00")
    views = []
    for view in doc.get("bufferViews", []):
        moved = dict(view)
        moved["byteOffset"] = starts[view["buffer"]] + view.get("byteOffset", 0)
        moved["buffer"] = 0
        views.append(moved)
    doc["bufferViews"] = views
    doc["buffers"] = [{"byteLength": len(blob)}] if blob else []
    # glTF forbids empty arrays; VTK writes some (images, textures) when there are none.
    doc = {k: v for k, v in doc.items() if v != []}
    json_chunk = _pad(json.dumps(doc, separators=(",", ":")).encode(), b" ")
    chunks = struct.pack("<I4s", len(json_chunk), JSON_CHUNK) + json_chunk
    if blob:
        chunks += struct.pack("<I4s", len(blob), BIN_CHUNK) + bytes(blob)
    return struct.pack("<4sII", GLB_MAGIC, GLB_VERSION, 12 + len(chunks)) + chunks
