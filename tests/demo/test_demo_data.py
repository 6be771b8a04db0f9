"""The demo plant files and the synthetic generator, checked without a database.

What a safety engineer loading the demo would notice: a feature the import rejects, a
sensor pointing at a tank that does not exist, a route that cannot be walked, an alarm
set point that breaks GB/T 50493-2019, a risk colour that does not match its score.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path
from typing import Any

import networkx as nx
import pyogrio
import pytest
from pydantic import ValidationError
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.prepared import prep

from gis.crs import transformer
from gis.validate import geometry_problems
from twin.demo import layout, setpoints, synthetic
from twin.plant.layers import LAYERS
from twin.sites.schemas import SiteIn

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"
Layers = dict[str, list[tuple[dict[str, Any], BaseGeometry]]]

EXPECTED_DEMO_COUNTS = {
    "zones": 15,
    "installations": 17,
    "equipment": 25,
    "sensors": 63,
    "cameras": 10,
    "base_stations": 20,
    "route_nodes": 682,
    "route_edges": 757,
    "exits": 6,
    "assembly_points": 3,
    "rescue_resources": 43,
    "risk_zones": 13,
}
# Realistic widths per edge kind (metres) for the hand-drawn demo network.
WIDTHS_M = {"road": (6.0, 9.0), "walkway": (1.2, 2.5), "door": (0.9, 2.0), "stair": (1.2, 1.2)}
# domain.md risk bands: LS = likelihood × severity, LEC = L × E × C.
LS_BANDS = {"red": (20, 25), "orange": (15, 16), "yellow": (9, 12), "blue": (1, 8)}
LEC_BANDS = {"red": (320, math.inf), "orange": (160, 320), "yellow": (70, 160), "blue": (0, 70)}


def _read_plant(path: Path) -> Layers:
    collection = json.loads(path.read_text(encoding="utf-8"))
    assert collection["crs"]["properties"]["name"] == "urn:ogc:def:crs:EPSG::4490"
    layers: Layers = {}
    for feature in collection["features"]:
        props = dict(feature["properties"])
        layers.setdefault(props.pop("layer"), []).append((props, shape(feature["geometry"])))
    return layers


@pytest.fixture(scope="module")
def plant() -> Layers:
    return _read_plant(DEMO / "plant.geojson")


@pytest.fixture(scope="module")
def site() -> dict[str, Any]:
    return json.loads((DEMO / "site.json").read_text(encoding="utf-8"))


def _problems(site: dict[str, Any], layers: Layers) -> list[str]:
    """Everything an import into the twin would reject, as readable lines."""
    out: list[str] = []
    fence = prep(shape(site["boundary"]))
    codes = {name: {p["code"] for p, _ in features} for name, features in layers.items()}
    for name, features in layers.items():
        spec = LAYERS[name]
        repeated = [c for c, n in Counter(p["code"] for p, _ in features).items() if n > 1]
        out += [f"{name} {c}: code repeats" for c in repeated]
        for props, geom in features:
            where = f"{name} {props.get('code')}"
            try:
                parsed = spec.props.model_validate(props)
            except ValidationError as exc:
                out.append(f"{where}: {exc.errors()[0]['msg']}")
                continue
            if not (parsed.name and parsed.name_en):
                out.append(f"{where}: needs name and name_en")
            out += [f"{where}: {p}" for p in geometry_problems(geom, spec.accepts)]
            if not fence.covers(geom):
                out.append(f"{where}: outside the site boundary")
            for prop, target in spec.references.items():
                ref = getattr(parsed, prop)
                if ref is not None and ref not in codes.get(target, set()):
                    out.append(f"{where}: {prop} {ref!r} names no {target} feature")
    return out + _network_problems(layers["route_nodes"], layers["route_edges"])


def _network_problems(
    nodes: list[tuple[dict[str, Any], BaseGeometry]],
    edges: list[tuple[dict[str, Any], BaseGeometry]],
) -> list[str]:
    out: list[str] = []
    points = {props["code"]: geom for props, geom in nodes}
    graph = nx.Graph()
    graph.add_nodes_from(points)
    for props, geom in edges:
        start, end = points[props["from_node"]], points[props["to_node"]]
        coords = list(geom.coords)
        if coords[0] != (start.x, start.y) or coords[-1] != (end.x, end.y):
            out.append(f"route edge {props['code']}: ends are not its nodes' points")
        graph.add_edge(props["from_node"], props["to_node"])
    if not nx.is_connected(graph):
        out.append(f"route network has {nx.number_connected_components(graph)} parts")
    return out


def test_data_files_are_what_the_builder_writes(tmp_path: Path) -> None:
    layout.main(tmp_path)
    for name in ("site.json", "plant.geojson"):
        assert (tmp_path / name).read_bytes() == (DEMO / name).read_bytes(), (
            f"data/demo/{name} is stale: run python -m twin.demo.layout"
        )


def test_plant_file_without_a_section_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "layout.yaml"
    path.write_text("site: {code: demo}\nzones: []\n", encoding="utf-8")
    with pytest.raises(ValueError, match="missing responsible, installations"):
        layout.build(path)


def test_demo_counts(plant: Layers) -> None:
    assert list(plant) == [name for name in LAYERS if name in plant]
    assert {name: len(features) for name, features in plant.items()} == EXPECTED_DEMO_COUNTS
    hydrants = [p for p, _ in plant["rescue_resources"] if p["kind"] == "hydrant"]
    assert len(hydrants) == 25
    assert all(p["technology"] == "uwb" for p, _ in plant["base_stations"])


def test_gdal_reads_the_plant_as_cgcs2000(plant: Layers) -> None:
    frame = pyogrio.read_dataframe(DEMO / "plant.geojson")
    assert frame.crs.to_epsg() == 4490
    assert len(frame) == sum(len(features) for features in plant.values())
    assert set(frame["layer"]) == set(plant)


def test_demo_features_import_cleanly(site: dict[str, Any], plant: Layers) -> None:
    assert _problems(site, plant) == []


def test_demo_site_record(site: dict[str, Any]) -> None:
    parsed = SiteIn(**site)
    assert (parsed.code, parsed.metric_srid) == ("demo", 4549)
    assert "fictional" in parsed.name
    fence = shape(site["boundary"])
    assert fence.centroid.x == pytest.approx(119.98, abs=1e-4)
    assert fence.centroid.y == pytest.approx(31.78, abs=1e-4)
    east, north = transformer(4490, 4549).transform(*fence.exterior.xy)
    assert max(east) - min(east) == pytest.approx(800, abs=0.5)
    assert max(north) - min(north) == pytest.approx(600, abs=0.5)


def test_route_network_is_walkable(plant: Layers) -> None:
    edges = [props for props, _ in plant["route_edges"]]
    for props in edges:
        low, high = WIDTHS_M[props["kind"]]
        assert low <= props["width_m"] <= high, props["code"]
    kinds = Counter(props["kind"] for props in edges)
    assert kinds["road"] > 0 and kinds["walkway"] > 0
    assert kinds["door"] >= 4 and kinds["stair"] >= 2
    assert sum(props.get("one_way", False) for props in edges) >= 2
    floors = {props["code"]: props.get("floor", 0) for props, _ in plant["route_nodes"]}
    for props in edges:
        if props["kind"] == "stair":
            assert floors[props["from_node"]] != floors[props["to_node"]]
    node_kinds = Counter(props.get("kind", "junction") for props, _ in plant["route_nodes"])
    assert node_kinds["gate"] == 2 and node_kinds["exit"] == 4
    assert node_kinds["assembly"] == 3
    # Nodes every ~25 m: no edge is longer than the builder's spacing.
    metres = transformer(4490, 4549)
    for props, geom in plant["route_edges"]:
        (x0, x1), (y0, y1) = metres.transform(*geom.xy)
        assert math.hypot(x1 - x0, y1 - y0) <= 25.01, props["code"]


def test_hazard_sources_are_registered(plant: Layers) -> None:
    sources = {p["code"]: p for p, _ in plant["installations"] if p.get("is_hazard_source")}
    assert sorted(sources) == [
        "CS-CL2-01",
        "S-LPG-01",
        "S-LPG-02",
        "S-LPG-03",
        "T-MEOH-01",
        "T-MEOH-02",
        "T-MEOH-03",
        "T-MEOH-04",
        "T-NH3-01",
        "T-NH3-02",
    ]
    for props in sources.values():
        assert set(props["responsible"]) == {"principal", "technical", "operational"}
        assert props["inventory"]
    ammonia = [i for p in sources.values() for i in p["inventory"] if i["chemical"] == "ammonia"]
    assert [i["design_capacity_t"] for i in ammonia] == [500.0, 500.0]


def test_gas_detectors_carry_the_rule_file_set_points(plant: Layers) -> None:
    version = setpoints.rule_version()
    detectors = [p for p, _ in plant["sensors"] if p["kind"] in ("gas", "oxygen")]
    assert {p["gas"] for p in detectors} == set(setpoints.gases())
    for props in detectors:
        expected = {k: v for k, v in setpoints.sensor_fields(props["gas"]).items() if v is not None}
        assert {k: props.get(k) for k in expected} == expected, props["code"]
        assert props["setpoint_rule"] == version
        assert props["install_height_m"] >= 0.3
    heavy = [p["install_height_m"] for p in detectors if p["gas"] in ("chlorine", "lpg")]
    assert max(heavy) <= 0.6  # GB/T 50493: heavier-than-air gases 0.3-0.6 m above floor
    winds = [p for p, _ in plant["sensors"] if p["kind"] == "wind"]
    # Two masts, each with speed and the direction the wind comes from.
    assert sorted(p["unit"] for p in winds) == ["m/s", "m/s", "°", "°"]


def test_risk_zone_colours_match_their_scores(plant: Layers) -> None:
    for props, _ in plant["risk_zones"]:
        assert props["score"] == math.prod(props["factors"].values())
        if props["method"] == "LS":
            assert set(props["factors"]) == {"likelihood", "severity"}
            low, high = LS_BANDS[props["grade"]]
            assert low <= props["score"] <= high, props["code"]
        else:
            assert set(props["factors"]) == {"L", "E", "C"}
            low, high = LEC_BANDS[props["grade"]]
            assert low <= props["score"] < high or props["score"] == high == 320, props["code"]
    assert {p["grade"] for p, _ in plant["risk_zones"]} == set(LS_BANDS)


def test_rule_file_follows_gb_t_50493() -> None:
    rules = setpoints.load_rules()
    assert rules["version"] and rules["source"]
    molar_volume = rules["conversion"]["molar_volume_l_per_mol"]
    for key, gas in rules["gases"].items():
        detector, points = gas["detector"], gas["setpoints"]
        step = detector["step"]

        def floor_to(value: float, step: float = step) -> float:
            return math.floor(value / step + 1e-9) * step

        if gas["kind"] == "flammable":
            assert detector["unit"] == "%LEL" and gas["lel_pct_vol"]["value"] > 0
            limits = (25.0, 50.0)
        elif gas["kind"] == "toxic":
            assert detector["unit"] == "ppm"
            oel = gas["oel"]
            oel_mg_m3 = oel["mac_mg_m3"] if oel["mac_mg_m3"] is not None else oel["pc_twa_mg_m3"]
            oel_ppm = oel_mg_m3 * molar_volume / gas["molar_mass_g_mol"]
            assert gas["oel_ppm"] == pytest.approx(oel_ppm, abs=0.01), key
            if points["basis"] == "oel":
                limits = (oel_ppm, 2 * oel_ppm)
            else:
                assert points["basis"] == "idlh" and points["basis_note"], key
                limits = (0.05 * gas["idlh"]["ppm"], 0.10 * gas["idlh"]["ppm"])
        else:
            assert detector["unit"] == "%vol"
            assert (points["alarm_low"], points["alarm_high_1"]) == (19.5, 23.5)
            continue
        assert points["alarm_high_1"] == pytest.approx(floor_to(limits[0])), key
        assert points["alarm_high_2"] == pytest.approx(floor_to(limits[1])), key
        assert detector["range_min"] < points["alarm_high_1"] <= points["alarm_high_2"]
        assert points["alarm_high_2"] <= detector["range_max"], key


def test_synthetic_plant_at_scale_one() -> None:
    site, layers = synthetic.generate(1)
    assert site["code"] == "synthetic-1" and site["metric_srid"] == 4549
    SiteIn(**site)
    counts = {name: len(features) for name, features in layers.items()}
    # 3 × 3 blocks on a 25 × 25 node lattice, plus 2 gates, 2 exits, 3 assembly points.
    assert counts["route_edges"] == 2 * 25 * 24 + 7
    assert counts["route_nodes"] == 25 * 25 + 7
    assert counts["sensors"] == 9 * 64
    assert counts["installations"] == counts["equipment"] == 9 * 9
    assert counts["zones"] == 9 + 2 and counts["risk_zones"] == 9
    assert counts["base_stations"] == 9 * 4 and counts["assembly_points"] == 3
    assert _problems(site, layers) == []


def test_synthetic_plant_grows_with_scale() -> None:
    _, small = synthetic.generate(1)
    _, large = synthetic.generate(3)
    assert len(large["route_edges"]) >= 3000 and len(large["sensors"]) >= 1500
    for name in ("zones", "installations", "base_stations", "risk_zones"):
        assert len(large[name]) > 2 * len(small[name]), name


def test_synthetic_plant_is_deterministic_per_seed() -> None:
    def digest(seed: int) -> list[tuple[str, str]]:
        _, layers = synthetic.generate(1, seed=seed)
        return [
            (json.dumps(p, sort_keys=True, ensure_ascii=False), g.wkt)
            for features in layers.values()
            for p, g in features
        ]

    assert digest(7) == digest(7)
    assert digest(7) != digest(8)


def test_synthetic_geopackage_has_one_layer_per_plant_layer(tmp_path: Path) -> None:
    site, layers = synthetic.generate(1)
    path = synthetic.write_gpkg(site, layers, tmp_path / "synthetic.gpkg")
    assert [name for name, _ in pyogrio.list_layers(path)] == list(LAYERS)
    info = pyogrio.read_info(path, layer="installations")
    assert info["crs"] == "EPSG:4490"
    assert json.loads(info["dataset_metadata"]["site"])["code"] == "synthetic-1"
    frame = pyogrio.read_dataframe(path, layer="installations")
    assert len(frame) == len(layers["installations"])
    hazard = frame[frame["is_hazard_source"].astype(bool)]
    assert set(json.loads(hazard["responsible"].iloc[0])) == {
        "principal",
        "technical",
        "operational",
    }
    assert synthetic.total_features(layers) == sum(
        pyogrio.read_info(path, layer=name)["features"] for name in LAYERS
    )
