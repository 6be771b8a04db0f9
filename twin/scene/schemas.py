"""What the browser needs beside the scene's GLB: its frame and its named nodes."""

from __future__ import annotations

from pydantic import BaseModel, Field


class SceneOrigin(BaseModel):
    """The scene's (0, 0, 0): in the site's metric CRS and in lon/lat."""

    x_m: float
    y_m: float
    srid: int = Field(description="EPSG of the metric CRS")
    lon: float
    lat: float
    lonlat_srid: int


class SceneAxes(BaseModel):
    x: str = Field(examples=["east"])
    y: str = Field(examples=["up"])
    z: str = Field(examples=["south"])


class SceneNode(BaseModel):
    name: str = Field(examples=["sensor:GD-101"])
    layer: str
    code: str
    kind: str


class SceneDescription(BaseModel):
    site: str
    etag: str = Field(description="the GLB's ETag, unquoted")
    origin: SceneOrigin
    axes: SceneAxes
    to_scene: str = Field(description="metric position → scene position")
    glb_bytes: int
    nodes: list[SceneNode]
