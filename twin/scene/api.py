"""The plant's 3D scene: GLB for the browser, and the frame and node names beside it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, Response

from twin.deps import PlantRead, SessionDep
from twin.scene import service
from twin.scene.schemas import SceneDescription
from twin.scene.service import Scene, SceneCache
from twin.sites.service import get_site

router = APIRouter(tags=["scene"])

GLB_MEDIA_TYPE = "model/gltf-binary"
# Authenticated content: browsers may keep it (private) but must ask each time (no-cache);
# the ETag makes the question a 304 of a few bytes until the plant changes.
CACHE_CONTROL = "private, no-cache"


def get_scene_cache(request: Request) -> SceneCache:
    """The app's scene cache, made on first use.

    Two first requests racing may each make one; the loser's scene is built once more
    and dropped, which costs a build, never a wrong answer.
    """
    cache = getattr(request.app.state, "scene_cache", None)
    if cache is None:
        cache = request.app.state.scene_cache = SceneCache()
    return cache


SceneCacheDep = Annotated[SceneCache, Depends(get_scene_cache)]
IfNoneMatch = Annotated[str | None, Header()]


def _etag(scene: Scene) -> str:
    return f'"{scene.etag}"'


def _not_modified(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 §13.1.2: weak comparison against each listed tag, or ``*``."""
    if not if_none_match:
        return False
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or etag in tags


def _headers(scene: Scene) -> dict[str, str]:
    at = scene.origin
    return {
        "ETag": _etag(scene),
        "Cache-Control": CACHE_CONTROL,
        # The frame, so a client holding only the GLB can place metric positions.
        "X-Scene-Origin": f"{at.x_m:.3f},{at.y_m:.3f}",
        "X-Scene-SRID": str(at.srid),
        "X-Scene-Origin-LonLat": f"{at.lon:.9f},{at.lat:.9f}",
    }


@router.get(
    "/sites/{site}/scene.glb",
    response_class=Response,
    responses={
        200: {"content": {GLB_MEDIA_TYPE: {}}, "description": "binary glTF 2.0"},
        304: {"description": "unchanged since the ETag sent in If-None-Match"},
    },
)
def scene_glb(
    site: str,
    session: SessionDep,
    _: PlantRead,
    cache: SceneCacheDep,
    if_none_match: IfNoneMatch = None,
) -> Response:
    """The plant in 3D as binary glTF (y up, metres from the origin in ``scene.json``).

    Nodes are named ``sensor:<code>``, ``installation:<code>``, ``zone:<code>`` …
    """
    scene = service.get_scene(session, cache, get_site(session, site))
    headers = _headers(scene)
    if _not_modified(if_none_match, headers["ETag"]):
        return Response(status_code=304, headers=headers)
    headers["Content-Disposition"] = f'inline; filename="{scene.site}-scene.glb"'
    return Response(scene.glb, media_type=GLB_MEDIA_TYPE, headers=headers)


@router.get(
    "/sites/{site}/scene.json",
    response_model=SceneDescription,
    responses={304: {"description": "unchanged since the ETag sent in If-None-Match"}},
)
def scene_json(
    site: str,
    session: SessionDep,
    _: PlantRead,
    cache: SceneCacheDep,
    response: Response,
    if_none_match: IfNoneMatch = None,
) -> SceneDescription | Response:
    """The scene's origin (metric CRS and lon/lat), axes, and every named node."""
    scene = service.get_scene(session, cache, get_site(session, site))
    headers = _headers(scene)
    if _not_modified(if_none_match, headers["ETag"]):
        return Response(status_code=304, headers=headers)
    response.headers.update(headers)
    return SceneDescription.model_validate(scene.describe())
