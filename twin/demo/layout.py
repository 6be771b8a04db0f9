"""The demo plant: a fictional hazardous-chemical site in a Jiangsu chemical park.

The plant is authored in local metres (x east, y north from the south-west fence corner)
on the CGCS2000 3-degree Gauss-Krüger zone with central meridian 120°E (EPSG:4549) and
transformed to CGCS2000 geographic (EPSG:4490). The builder is deterministic: running
``python -m twin.demo.layout`` rewrites ``data/demo/site.json`` and
``data/demo/plant.geojson`` byte for byte.

The tables below are the plant; :mod:`twin.demo.routes` shapes its route network and
:mod:`twin.demo.geo` places everything on the map.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from shapely.geometry import Point, box

from twin.demo import geo
from twin.demo.geo import Feature, Layers
from twin.demo.routes import RouteBuilder
from twin.demo.setpoints import install_height_m, load_rules, sensor_fields

__all__ = ["SITE_CODE", "SIZE_M", "build", "main"]

SITE_CODE = "demo"
SIZE_M = (800.0, 600.0)
DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "demo"
# Changzhou Xinbei district (320411); the organisation part is invented.
CREDIT_CODE = geo.credit_code("320411", "MA7T0DEM")

Rect = tuple[float, float, float, float]

# code, kind, name, name_en, (x0, y0, x1, y1), restricted, height_m, floors, max_occupancy
ZONES: list[tuple[str, str, str, str, Rect, bool, float | None, int | None, int | None]] = [
    (
        "Z-TF1",
        "tank_farm",
        "液氨罐区",
        "Liquid ammonia tank farm",
        (275, 415, 505, 570),
        True,
        None,
        None,
        10,
    ),
    (
        "Z-CL1",
        "warehouse",
        "液氯钢瓶库",
        "Chlorine cylinder store",
        (590, 450, 700, 530),
        True,
        8.0,
        1,
        6,
    ),
    (
        "Z-LPG1",
        "tank_farm",
        "液化石油气球罐区",
        "LPG sphere area",
        (30, 415, 245, 570),
        True,
        None,
        None,
        6,
    ),
    (
        "Z-TF2",
        "tank_farm",
        "甲醇罐区",
        "Methanol tank farm",
        (30, 215, 245, 385),
        True,
        None,
        None,
        6,
    ),
    (
        "Z-SYN1",
        "process_unit",
        "氨醇合成装置",
        "Ammonia-methanol synthesis unit",
        (275, 215, 505, 385),
        True,
        None,
        None,
        30,
    ),
    (
        "Z-LD1",
        "loading",
        "汽车装卸区",
        "Road tanker loading area",
        (30, 30, 245, 185),
        True,
        None,
        None,
        20,
    ),
    (
        "Z-CCR",
        "control_room",
        "中央控制室",
        "Central control room",
        (545, 55, 595, 90),
        False,
        6.5,
        1,
        30,
    ),
    ("Z-OF1", "office", "综合办公楼", "Office building", (545, 120, 615, 150), False, 16.5, 4, 200),
    (
        "Z-WS1",
        "workshop",
        "维修车间",
        "Maintenance workshop",
        (285, 120, 355, 165),
        False,
        9.0,
        1,
        40,
    ),
    ("Z-FS1", "fire_station", "消防站", "Fire station", (690, 115, 750, 165), False, 10.0, 2, 40),
    (
        "Z-UT1",
        "utility",
        "空压制氮站及变配电所",
        "Air, nitrogen and power station",
        (380, 30, 505, 185),
        False,
        None,
        None,
        15,
    ),
    (
        "Z-UT2",
        "utility",
        "循环水站",
        "Cooling water station",
        (540, 215, 770, 300),
        False,
        None,
        None,
        10,
    ),
    ("Z-PK1", "parking", "停车场", "Car park", (540, 320, 770, 385), False, None, None, None),
    ("Z-G1", "gate", "主大门", "Main gate", (630, 0.5, 670, 10), False, 6.0, 1, None),
    ("Z-G2", "gate", "物流大门", "Logistics gate", (0.5, 95, 10, 125), False, 6.0, 1, None),
]

# The three persons of each major hazard source (包保责任人); all names are invented.
RESPONSIBLE = {
    "ammonia": ("陈志远", "刘海涛", "周明"),
    "chlorine": ("陈志远", "刘海涛", "吴静"),
    "lpg": ("陈志远", "刘海涛", "郑磊"),
    "methanol": ("陈志远", "刘海涛", "孙立新"),
}

# code, kind, zone, name, name_en, centre (x, y) or rectangle, diameter_m, height_m,
# inventory [(chemical, design_capacity_t, quantity_t)], hazard source (responsible key)
INSTALLATIONS: list[tuple[Any, ...]] = [
    (
        "T-NH3-01",
        "sphere",
        "Z-TF1",
        "1#液氨球罐",
        "Liquid ammonia sphere 1",
        (345, 500),
        12.3,
        16.0,
        [("ammonia", 500, 320)],
        "ammonia",
    ),
    (
        "T-NH3-02",
        "sphere",
        "Z-TF1",
        "2#液氨球罐",
        "Liquid ammonia sphere 2",
        (425, 500),
        12.3,
        16.0,
        [("ammonia", 500, 285)],
        "ammonia",
    ),
    (
        "CS-CL2-01",
        "cylinder_store",
        "Z-CL1",
        "液氯钢瓶库房（30只1吨钢瓶）",
        "Chlorine cylinder store (30 x 1 t cylinders)",
        (621, 478, 669, 502),
        None,
        8.0,
        [("chlorine", 30, 18)],
        "chlorine",
    ),
    (
        "S-LPG-01",
        "sphere",
        "Z-LPG1",
        "1#液化石油气球罐",
        "LPG sphere 1",
        (85, 495),
        9.2,
        12.5,
        [("lpg", 170, 118)],
        "lpg",
    ),
    (
        "S-LPG-02",
        "sphere",
        "Z-LPG1",
        "2#液化石油气球罐",
        "LPG sphere 2",
        (137.5, 495),
        9.2,
        12.5,
        [("lpg", 170, 96)],
        "lpg",
    ),
    (
        "S-LPG-03",
        "sphere",
        "Z-LPG1",
        "3#液化石油气球罐",
        "LPG sphere 3",
        (190, 495),
        9.2,
        12.5,
        [("lpg", 170, 64)],
        "lpg",
    ),
    (
        "T-MEOH-01",
        "tank",
        "Z-TF2",
        "1#甲醇储罐",
        "Methanol tank 1",
        (75, 265),
        11.5,
        10.5,
        [("methanol", 710, 520)],
        "methanol",
    ),
    (
        "T-MEOH-02",
        "tank",
        "Z-TF2",
        "2#甲醇储罐",
        "Methanol tank 2",
        (135, 265),
        11.5,
        10.5,
        [("methanol", 710, 430)],
        "methanol",
    ),
    (
        "T-MEOH-03",
        "tank",
        "Z-TF2",
        "3#甲醇储罐",
        "Methanol tank 3",
        (75, 335),
        11.5,
        10.5,
        [("methanol", 710, 380)],
        "methanol",
    ),
    (
        "T-MEOH-04",
        "tank",
        "Z-TF2",
        "4#甲醇储罐",
        "Methanol tank 4",
        (135, 335),
        11.5,
        10.5,
        [("methanol", 710, 150)],
        "methanol",
    ),
    (
        "R-SYN-01",
        "reactor",
        "Z-SYN1",
        "氨合成塔",
        "Ammonia converter",
        (330, 320),
        3.2,
        24.0,
        [("hydrogen", 0.8, 0.6)],
        None,
    ),
    (
        "R-SYN-02",
        "reactor",
        "Z-SYN1",
        "甲醇合成塔",
        "Methanol converter",
        (380, 320),
        3.8,
        18.0,
        [("methanol", 12, 8)],
        None,
    ),
    (
        "R-SYN-03",
        "reactor",
        "Z-SYN1",
        "一氧化碳变换炉",
        "CO shift converter",
        (330, 260),
        3.6,
        16.0,
        [],
        None,
    ),
    (
        "C-SYN-01",
        "column",
        "Z-SYN1",
        "脱硫塔",
        "Desulfurisation column",
        (430, 330),
        3.0,
        30.0,
        [],
        None,
    ),
    (
        "C-SYN-02",
        "column",
        "Z-SYN1",
        "甲醇精馏塔",
        "Methanol distillation column",
        (470, 330),
        2.6,
        42.0,
        [("methanol", 20, 11)],
        None,
    ),
    (
        "PR-SYN-01",
        "pipe_rack",
        "Z-SYN1",
        "装置管廊",
        "Unit pipe rack",
        (290, 286, 495, 294),
        None,
        9.0,
        [],
        None,
    ),
    (
        "PR-01",
        "pipe_rack",
        None,
        "厂区外管廊",
        "Inter-unit pipe rack",
        (266, 215, 272, 565),
        None,
        7.0,
        [],
        None,
    ),
]

# code, kind, installation, name, name_en, tag_no, (x, y)
EQUIPMENT: list[tuple[str, str, str, str, str, str, tuple[float, float]]] = [
    (
        "P-NH3-01A",
        "pump",
        "T-NH3-01",
        "液氨输送泵A",
        "Ammonia transfer pump A",
        "P-2101A",
        (470, 432),
    ),
    (
        "P-NH3-01B",
        "pump",
        "T-NH3-02",
        "液氨输送泵B",
        "Ammonia transfer pump B",
        "P-2101B",
        (478, 432),
    ),
    (
        "K-NH3-01",
        "compressor",
        "T-NH3-01",
        "氨气回收压缩机",
        "Ammonia vapour recovery compressor",
        "K-2101",
        (490, 445),
    ),
    (
        "PSV-T-NH3-01",
        "safety_valve",
        "T-NH3-01",
        "1#液氨球罐安全阀",
        "Ammonia sphere 1 PSV",
        "PSV-2101",
        (345, 500),
    ),
    (
        "PSV-T-NH3-02",
        "safety_valve",
        "T-NH3-02",
        "2#液氨球罐安全阀",
        "Ammonia sphere 2 PSV",
        "PSV-2102",
        (425, 500),
    ),
    ("P-LPG-01A", "pump", "S-LPG-01", "液化气装车泵A", "LPG loading pump A", "P-3101A", (200, 440)),
    ("P-LPG-01B", "pump", "S-LPG-02", "液化气装车泵B", "LPG loading pump B", "P-3101B", (208, 440)),
    (
        "PSV-S-LPG-01",
        "safety_valve",
        "S-LPG-01",
        "1#液化气球罐安全阀",
        "LPG sphere 1 PSV",
        "PSV-3101",
        (85, 495),
    ),
    (
        "PSV-S-LPG-02",
        "safety_valve",
        "S-LPG-02",
        "2#液化气球罐安全阀",
        "LPG sphere 2 PSV",
        "PSV-3102",
        (137.5, 495),
    ),
    (
        "PSV-S-LPG-03",
        "safety_valve",
        "S-LPG-03",
        "3#液化气球罐安全阀",
        "LPG sphere 3 PSV",
        "PSV-3103",
        (190, 495),
    ),
    (
        "P-MEOH-01A",
        "pump",
        "T-MEOH-01",
        "甲醇输送泵A",
        "Methanol transfer pump A",
        "P-4101A",
        (205, 290),
    ),
    (
        "P-MEOH-01B",
        "pump",
        "T-MEOH-03",
        "甲醇输送泵B",
        "Methanol transfer pump B",
        "P-4101B",
        (205, 310),
    ),
    (
        "BV-T-MEOH-01",
        "valve",
        "T-MEOH-01",
        "1#甲醇罐呼吸阀",
        "Methanol tank 1 breather valve",
        "BV-4101",
        (75, 265),
    ),
    (
        "BV-T-MEOH-02",
        "valve",
        "T-MEOH-02",
        "2#甲醇罐呼吸阀",
        "Methanol tank 2 breather valve",
        "BV-4102",
        (135, 265),
    ),
    (
        "BV-T-MEOH-03",
        "valve",
        "T-MEOH-03",
        "3#甲醇罐呼吸阀",
        "Methanol tank 3 breather valve",
        "BV-4103",
        (75, 335),
    ),
    (
        "BV-T-MEOH-04",
        "valve",
        "T-MEOH-04",
        "4#甲醇罐呼吸阀",
        "Methanol tank 4 breather valve",
        "BV-4104",
        (135, 335),
    ),
    (
        "K-SYN-01",
        "compressor",
        "R-SYN-01",
        "合成气压缩机",
        "Syngas compressor",
        "K-1101",
        (300, 240),
    ),
    (
        "K-SYN-02",
        "compressor",
        "R-SYN-01",
        "循环气压缩机",
        "Recycle gas compressor",
        "K-1102",
        (315, 240),
    ),
    (
        "E-SYN-01",
        "heat_exchanger",
        "R-SYN-01",
        "废热锅炉",
        "Waste heat boiler",
        "E-1101",
        (350, 335),
    ),
    (
        "PSV-R-SYN-01",
        "safety_valve",
        "R-SYN-01",
        "氨合成塔安全阀",
        "Ammonia converter PSV",
        "PSV-1101",
        (330, 320),
    ),
    (
        "PSV-R-SYN-02",
        "safety_valve",
        "R-SYN-02",
        "甲醇合成塔安全阀",
        "Methanol converter PSV",
        "PSV-1201",
        (380, 320),
    ),
    ("P-SYN-01", "pump", "C-SYN-02", "精甲醇泵", "Refined methanol pump", "P-1201", (485, 360)),
    (
        "RD-C-SYN-01",
        "rupture_disc",
        "C-SYN-01",
        "脱硫塔爆破片",
        "Desulfuriser rupture disc",
        "RD-1301",
        (430, 330),
    ),
    ("F-CL2-01", "fan", "CS-CL2-01", "事故排风机", "Emergency exhaust fan", "F-5101", (667, 490)),
    ("V-CL2-01", "vessel", "CS-CL2-01", "碱液吸收塔", "Caustic scrubber", "T-5101", (690, 515)),
]

# Gas detectors: code, gas, (x, y), release source height (m), zone, installation, place.
GAS_DETECTORS: list[tuple[str, str, tuple[float, float], float, str, str | None, str, str]] = [
    ("GD-NH3-01", "ammonia", (352.5, 504.3), 2.0, "Z-TF1", "T-NH3-01", "1#球罐东北", "sphere 1 NE"),
    ("GD-NH3-02", "ammonia", (337.5, 504.3), 2.0, "Z-TF1", "T-NH3-01", "1#球罐西北", "sphere 1 NW"),
    ("GD-NH3-03", "ammonia", (345.0, 491.4), 2.0, "Z-TF1", "T-NH3-01", "1#球罐南", "sphere 1 S"),
    ("GD-NH3-04", "ammonia", (432.5, 504.3), 2.0, "Z-TF1", "T-NH3-02", "2#球罐东北", "sphere 2 NE"),
    ("GD-NH3-05", "ammonia", (417.5, 504.3), 2.0, "Z-TF1", "T-NH3-02", "2#球罐西北", "sphere 2 NW"),
    ("GD-NH3-06", "ammonia", (425.0, 491.4), 2.0, "Z-TF1", "T-NH3-02", "2#球罐南", "sphere 2 S"),
    ("GD-NH3-07", "ammonia", (474.0, 437.0), 0.8, "Z-TF1", "T-NH3-01", "液氨泵区", "ammonia pumps"),
    ("GD-NH3-08", "ammonia", (120.0, 158.0), 3.0, "Z-LD1", None, "液氨装车位", "ammonia bay"),
    ("GD-CL2-01", "chlorine", (627.0, 482.0), 0.8, "Z-CL1", "CS-CL2-01", "库房西南", "store SW"),
    ("GD-CL2-02", "chlorine", (645.0, 483.0), 0.8, "Z-CL1", "CS-CL2-01", "库房南", "store S"),
    ("GD-CL2-03", "chlorine", (663.0, 482.0), 0.8, "Z-CL1", "CS-CL2-01", "库房东南", "store SE"),
    ("GD-CL2-04", "chlorine", (627.0, 498.0), 0.8, "Z-CL1", "CS-CL2-01", "库房西北", "store NW"),
    ("GD-CL2-05", "chlorine", (663.0, 498.0), 0.8, "Z-CL1", "CS-CL2-01", "库房东北", "store NE"),
    ("GD-O2-01", "oxygen", (650.0, 496.0), 0.0, "Z-CL1", "CS-CL2-01", "钢瓶库房", "cylinder store"),
    (
        "GD-O2-02",
        "oxygen",
        (588.0, 60.0),
        0.0,
        "Z-CCR",
        None,
        "机柜间（气体灭火）",
        "rack room (gas extinguishing)",
    ),
    ("GD-LPG-01", "lpg", (90.0, 500.0), 1.5, "Z-LPG1", "S-LPG-01", "1#球罐东北", "sphere 1 NE"),
    ("GD-LPG-02", "lpg", (80.0, 490.0), 1.5, "Z-LPG1", "S-LPG-01", "1#球罐西南", "sphere 1 SW"),
    ("GD-LPG-03", "lpg", (142.5, 500.0), 1.5, "Z-LPG1", "S-LPG-02", "2#球罐东北", "sphere 2 NE"),
    ("GD-LPG-04", "lpg", (132.5, 490.0), 1.5, "Z-LPG1", "S-LPG-02", "2#球罐西南", "sphere 2 SW"),
    ("GD-LPG-05", "lpg", (195.0, 500.0), 1.5, "Z-LPG1", "S-LPG-03", "3#球罐东北", "sphere 3 NE"),
    ("GD-LPG-06", "lpg", (185.0, 490.0), 1.5, "Z-LPG1", "S-LPG-03", "3#球罐西南", "sphere 3 SW"),
    ("GD-LPG-07", "lpg", (204.0, 446.0), 0.8, "Z-LPG1", "S-LPG-01", "液化气泵区", "LPG pumps"),
    ("GD-LPG-08", "lpg", (180.0, 158.0), 3.0, "Z-LD1", None, "液化气装车位", "LPG bay"),
    ("GD-MEOH-01", "methanol", (83.0, 265.0), 0.5, "Z-TF2", "T-MEOH-01", "1#罐根部", "tank 1 base"),
    (
        "GD-MEOH-02",
        "methanol",
        (143.0, 265.0),
        0.5,
        "Z-TF2",
        "T-MEOH-02",
        "2#罐根部",
        "tank 2 base",
    ),
    ("GD-MEOH-03", "methanol", (83.0, 335.0), 0.5, "Z-TF2", "T-MEOH-03", "3#罐根部", "tank 3 base"),
    (
        "GD-MEOH-04",
        "methanol",
        (143.0, 335.0),
        0.5,
        "Z-TF2",
        "T-MEOH-04",
        "4#罐根部",
        "tank 4 base",
    ),
    (
        "GD-MEOH-05",
        "methanol",
        (212.0, 300.0),
        0.8,
        "Z-TF2",
        "T-MEOH-01",
        "甲醇泵区",
        "methanol pumps",
    ),
    ("GD-MEOH-06", "methanol", (60.0, 78.0), 3.0, "Z-LD1", None, "甲醇装车位", "methanol bay"),
    (
        "GD-H2-01",
        "hydrogen",
        (300.0, 246.0),
        1.5,
        "Z-SYN1",
        "R-SYN-01",
        "合成气压缩机",
        "syngas compressor",
    ),
    (
        "GD-H2-02",
        "hydrogen",
        (315.0, 246.0),
        1.5,
        "Z-SYN1",
        "R-SYN-01",
        "循环气压缩机",
        "recycle compressor",
    ),
    (
        "GD-H2-03",
        "hydrogen",
        (335.0, 314.0),
        4.0,
        "Z-SYN1",
        "R-SYN-01",
        "氨合成塔法兰",
        "ammonia converter flanges",
    ),
    (
        "GD-H2-04",
        "hydrogen",
        (386.0, 314.0),
        4.0,
        "Z-SYN1",
        "R-SYN-02",
        "甲醇合成塔法兰",
        "methanol converter flanges",
    ),
    (
        "GD-CO-01",
        "carbon_monoxide",
        (336.0, 254.0),
        2.0,
        "Z-SYN1",
        "R-SYN-03",
        "变换炉",
        "shift converter",
    ),
    (
        "GD-CO-02",
        "carbon_monoxide",
        (374.0, 326.0),
        2.0,
        "Z-SYN1",
        "R-SYN-02",
        "甲醇合成塔",
        "methanol converter",
    ),
    (
        "GD-CO-03",
        "carbon_monoxide",
        (306.0, 234.0),
        1.5,
        "Z-SYN1",
        "R-SYN-01",
        "合成气压缩机",
        "syngas compressor",
    ),
    (
        "GD-H2S-01",
        "hydrogen_sulfide",
        (435.0, 325.0),
        1.0,
        "Z-SYN1",
        "C-SYN-01",
        "脱硫塔底东",
        "desulfuriser base E",
    ),
    (
        "GD-H2S-02",
        "hydrogen_sulfide",
        (425.0, 335.0),
        1.0,
        "Z-SYN1",
        "C-SYN-01",
        "脱硫塔底西",
        "desulfuriser base W",
    ),
]

# Process instruments: prefix -> kind, unit, range, (alarm_low, alarm_high_1, alarm_high_2)
INSTRUMENTS: dict[str, tuple[str, str, tuple[float, float], tuple[float | None, ...]]] = {
    "PT-NH3": ("pressure", "MPa", (0.0, 2.5), (None, 1.6, 1.8)),  # sphere design 2.16 MPa
    "TT-NH3": ("temperature", "°C", (-40.0, 60.0), (None, 40.0, 45.0)),
    "PT-LPG": ("pressure", "MPa", (0.0, 2.5), (None, 1.5, 1.65)),  # sphere design 1.77 MPa
    "LT": ("level", "%", (0.0, 100.0), (10.0, 85.0, 90.0)),
    "TT-MEOH": ("temperature", "°C", (0.0, 100.0), (None, 40.0, 45.0)),  # bp 64.7 °C
    "TT-SYN-01": ("temperature", "°C", (0.0, 600.0), (None, 500.0, 520.0)),
    "PT-SYN-01": ("pressure", "MPa", (0.0, 40.0), (None, 31.0, 33.0)),
    "TT-SYN-02": ("temperature", "°C", (0.0, 400.0), (None, 280.0, 290.0)),
    "PT-SYN-02": ("pressure", "MPa", (0.0, 10.0), (None, 8.0, 8.5)),
    "WS": ("wind", "m/s", (0.0, 60.0), (None, None, None)),
}

# code, instrument, (x, y), install_height_m, zone, installation, name, name_en
PROCESS_SENSORS: list[tuple[str, str, tuple[float, float], float, str, str | None, str, str]] = [
    (
        "PT-NH3-01",
        "PT-NH3",
        (345, 500),
        15.5,
        "Z-TF1",
        "T-NH3-01",
        "1#液氨球罐压力",
        "Ammonia sphere 1 pressure",
    ),
    (
        "LT-NH3-01",
        "LT",
        (348, 500),
        8.0,
        "Z-TF1",
        "T-NH3-01",
        "1#液氨球罐液位",
        "Ammonia sphere 1 level",
    ),
    (
        "TT-NH3-01",
        "TT-NH3",
        (342, 500),
        5.0,
        "Z-TF1",
        "T-NH3-01",
        "1#液氨球罐温度",
        "Ammonia sphere 1 temperature",
    ),
    (
        "PT-NH3-02",
        "PT-NH3",
        (425, 500),
        15.5,
        "Z-TF1",
        "T-NH3-02",
        "2#液氨球罐压力",
        "Ammonia sphere 2 pressure",
    ),
    (
        "LT-NH3-02",
        "LT",
        (428, 500),
        8.0,
        "Z-TF1",
        "T-NH3-02",
        "2#液氨球罐液位",
        "Ammonia sphere 2 level",
    ),
    (
        "TT-NH3-02",
        "TT-NH3",
        (422, 500),
        5.0,
        "Z-TF1",
        "T-NH3-02",
        "2#液氨球罐温度",
        "Ammonia sphere 2 temperature",
    ),
    (
        "PT-LPG-01",
        "PT-LPG",
        (85, 495),
        12.0,
        "Z-LPG1",
        "S-LPG-01",
        "1#液化气球罐压力",
        "LPG sphere 1 pressure",
    ),
    (
        "LT-LPG-01",
        "LT",
        (87, 495),
        6.0,
        "Z-LPG1",
        "S-LPG-01",
        "1#液化气球罐液位",
        "LPG sphere 1 level",
    ),
    (
        "PT-LPG-02",
        "PT-LPG",
        (137.5, 495),
        12.0,
        "Z-LPG1",
        "S-LPG-02",
        "2#液化气球罐压力",
        "LPG sphere 2 pressure",
    ),
    (
        "LT-LPG-02",
        "LT",
        (139.5, 495),
        6.0,
        "Z-LPG1",
        "S-LPG-02",
        "2#液化气球罐液位",
        "LPG sphere 2 level",
    ),
    (
        "PT-LPG-03",
        "PT-LPG",
        (190, 495),
        12.0,
        "Z-LPG1",
        "S-LPG-03",
        "3#液化气球罐压力",
        "LPG sphere 3 pressure",
    ),
    (
        "LT-LPG-03",
        "LT",
        (192, 495),
        6.0,
        "Z-LPG1",
        "S-LPG-03",
        "3#液化气球罐液位",
        "LPG sphere 3 level",
    ),
    (
        "LT-MEOH-01",
        "LT",
        (75, 265),
        10.5,
        "Z-TF2",
        "T-MEOH-01",
        "1#甲醇罐液位",
        "Methanol tank 1 level",
    ),
    (
        "LT-MEOH-02",
        "LT",
        (135, 265),
        10.5,
        "Z-TF2",
        "T-MEOH-02",
        "2#甲醇罐液位",
        "Methanol tank 2 level",
    ),
    (
        "LT-MEOH-03",
        "LT",
        (75, 335),
        10.5,
        "Z-TF2",
        "T-MEOH-03",
        "3#甲醇罐液位",
        "Methanol tank 3 level",
    ),
    (
        "LT-MEOH-04",
        "LT",
        (135, 335),
        10.5,
        "Z-TF2",
        "T-MEOH-04",
        "4#甲醇罐液位",
        "Methanol tank 4 level",
    ),
    (
        "TT-MEOH-01",
        "TT-MEOH",
        (72, 265),
        2.0,
        "Z-TF2",
        "T-MEOH-01",
        "1#甲醇罐温度",
        "Methanol tank 1 temperature",
    ),
    (
        "TT-SYN-01",
        "TT-SYN-01",
        (330, 320),
        12.0,
        "Z-SYN1",
        "R-SYN-01",
        "氨合成塔温度",
        "Ammonia converter temperature",
    ),
    (
        "PT-SYN-01",
        "PT-SYN-01",
        (331, 320),
        20.0,
        "Z-SYN1",
        "R-SYN-01",
        "氨合成塔压力",
        "Ammonia converter pressure",
    ),
    (
        "TT-SYN-02",
        "TT-SYN-02",
        (380, 320),
        9.0,
        "Z-SYN1",
        "R-SYN-02",
        "甲醇合成塔温度",
        "Methanol converter temperature",
    ),
    (
        "PT-SYN-02",
        "PT-SYN-02",
        (381, 320),
        15.0,
        "Z-SYN1",
        "R-SYN-02",
        "甲醇合成塔压力",
        "Methanol converter pressure",
    ),
    (
        "WS-01",
        "WS",
        (570, 72),
        10.0,
        "Z-CCR",
        None,
        "中控室屋顶风速风向仪",
        "Control room roof anemometer",
    ),
    (
        "WS-02",
        "WS",
        (500, 565),
        10.0,
        "Z-TF1",
        None,
        "液氨罐区风速风向仪",
        "Ammonia tank farm anemometer",
    ),
]

# code, name, name_en, (x, y), heading_deg (clockwise from north), fov_deg, install_height_m
CAMERAS = [
    ("CAM-01", "主大门", "Main gate", (660, 12), 180.0, 90.0, 6.0),
    ("CAM-02", "物流大门", "Logistics gate", (12, 120), 270.0, 90.0, 6.0),
    ("CAM-03", "汽车装卸区", "Loading area", (240, 180), 225.0, 90.0, 10.0),
    ("CAM-04", "甲醇罐区", "Methanol tank farm", (240, 380), 225.0, 75.0, 12.0),
    ("CAM-05", "液化石油气球罐区", "LPG sphere area", (240, 565), 225.0, 75.0, 15.0),
    ("CAM-06", "液氨罐区", "Ammonia tank farm", (280, 565), 135.0, 75.0, 15.0),
    ("CAM-07", "液氯钢瓶库外", "Chlorine store yard", (595, 525), 135.0, 90.0, 8.0),
    ("CAM-08", "合成装置东南", "Synthesis unit SE", (500, 220), 315.0, 90.0, 15.0),
    ("CAM-09", "合成装置西北", "Synthesis unit NW", (280, 380), 135.0, 90.0, 15.0),
    ("CAM-10", "液氯钢瓶库内", "Chlorine store inside", (623, 500), 135.0, 110.0, 5.0),
]

# UWB anchors: hazardous areas first, then road junctions and gates.
BASE_STATIONS = [
    (40, 40),
    (235, 175),
    (40, 305),
    (235, 225),
    (40, 425),
    (235, 560),
    (285, 225),
    (390, 375),
    (495, 225),
    (285, 560),
    (495, 425),
    (625, 500),
    (695, 455),
    (266, 206),
    (526, 206),
    (266, 406),
    (526, 406),
    (650, 21),
    (21, 110),
    (395, 592),
]

# code, kind, name, name_en, (x, y), width_m; each joins the network at its connector.
EXITS = [
    ("EX-G1", "gate", "主大门", "Main gate", (650, 1), 12.0),
    ("EX-G2", "gate", "物流大门", "Logistics gate", (1, 110), 10.0),
    ("EX-E1", "emergency_exit", "北侧应急出口", "North emergency exit", (400, 599), 1.5),
    ("EX-E2", "emergency_exit", "东侧应急出口", "East emergency exit", (799, 470), 4.0),
    ("EX-E3", "emergency_exit", "西侧应急出口", "West emergency exit", (1, 300), 4.0),
    ("EX-E4", "emergency_exit", "南侧应急出口", "South emergency exit", (130, 1), 1.5),
]

# Upwind of the hazards under the prevailing south-easterly wind (Changzhou climate).
ASSEMBLY_POINTS = [
    ("AP-01", "主大门集合点", "Main gate assembly point", (700, 40), 300),
    ("AP-02", "东侧停车场集合点", "East car park assembly point", (760, 372), 200),
    ("AP-03", "南侧集合点", "South assembly point", (320, 60), 150),
]

# code, kind, name, name_en, (x, y), quantity, unit
RESCUE = [
    ("RR-FS-01", "fire_station", "企业消防站", "Plant fire station", (720, 140), 1, "座"),
    ("RR-FT-01", "fire_truck", "水罐泡沫消防车", "Water and foam tender", (710, 125), 1, "辆"),
    (
        "RR-FT-02",
        "fire_truck",
        "干粉泡沫联用消防车",
        "Dry powder and foam tender",
        (730, 125),
        1,
        "辆",
    ),
    (
        "RR-RT-01",
        "rescue_team",
        "专职消防救援队",
        "Full-time fire and rescue team",
        (725, 150),
        18,
        "人",
    ),
    ("RR-FM-01", "foam", "甲醇罐区泡沫站", "Methanol farm foam station", (22, 240), 1, "座"),
    ("RR-FM-02", "foam", "装卸区泡沫站", "Loading area foam station", (250, 100), 1, "座"),
    ("RR-FM-03", "foam", "泡沫液储备", "Foam concentrate reserve", (740, 125), 8, "t"),
    ("RR-SC-01", "scba", "液氨罐区空气呼吸器柜", "Ammonia farm SCBA cabinet", (510, 440), 6, "套"),
    ("RR-SC-02", "scba", "液氯库空气呼吸器柜", "Chlorine store SCBA cabinet", (585, 470), 6, "套"),
    (
        "RR-SC-03",
        "scba",
        "合成装置空气呼吸器柜",
        "Synthesis unit SCBA cabinet",
        (510, 300),
        4,
        "套",
    ),
    ("RR-SC-04", "scba", "中控室空气呼吸器柜", "Control room SCBA cabinet", (575, 80), 10, "套"),
    ("RR-FA-01", "first_aid", "办公楼急救箱", "Office first-aid kit", (600, 135), 1, "箱"),
    ("RR-FA-02", "first_aid", "中控室急救箱", "Control room first-aid kit", (560, 80), 1, "箱"),
    ("RR-EW-01", "eyewash", "液氨泵区洗眼器", "Ammonia pumps eyewash", (480, 425), 1, "台"),
    ("RR-EW-02", "eyewash", "液氨罐区西洗眼器", "Ammonia farm west eyewash", (290, 425), 1, "台"),
    ("RR-EW-03", "eyewash", "液氯库洗眼器", "Chlorine store eyewash", (610, 460), 1, "台"),
    ("RR-EW-04", "eyewash", "装车位洗眼器", "Loading bay eyewash", (60, 175), 1, "台"),
    (
        "RR-SK-01",
        "spill_kit",
        "氯气钢瓶堵漏器材",
        "Chlorine cylinder leak kit",
        (695, 455),
        1,
        "套",
    ),
]

# Hydrants 2 m off the road edge, ≤ 60 m apart along the roads facing hazardous areas.
HYDRANTS = (
    [(x, 406.5) for x in (50, 110, 170, 230, 300, 360, 420, 480)]
    + [(x, 206.5) for x in (50, 110, 170, 230, 300, 360, 420, 480)]
    + [(253.5, y) for y in (250, 310, 370)]
    + [(x, 579.5) for x in (100, 200, 350, 450)]
    + [(526.5, y) for y in (460, 520)]
)

# zone, grade, method, factors, owner; the score is computed from the factors.
RISKS: list[tuple[str, str, str, dict[str, float], str]] = [
    ("Z-LPG1", "red", "LS", {"likelihood": 4, "severity": 5}, "郑磊（储运部）"),
    ("Z-TF1", "red", "LEC", {"L": 3, "E": 6, "C": 40}, "周明（储运部）"),
    ("Z-CL1", "red", "LEC", {"L": 1, "E": 6, "C": 100}, "吴静（储运部）"),
    ("Z-SYN1", "orange", "LS", {"likelihood": 3, "severity": 5}, "黄建华（合成车间）"),
    ("Z-TF2", "orange", "LEC", {"L": 3, "E": 6, "C": 15}, "孙立新（储运部）"),
    ("Z-LD1", "orange", "LS", {"likelihood": 4, "severity": 4}, "马晓东（储运部）"),
    ("Z-UT1", "yellow", "LS", {"likelihood": 3, "severity": 3}, "何伟（动力车间）"),
    ("Z-WS1", "yellow", "LEC", {"L": 3, "E": 6, "C": 7}, "林国栋（设备部）"),
    ("Z-UT2", "yellow", "LS", {"likelihood": 2, "severity": 5}, "何伟（动力车间）"),
    ("Z-OF1", "blue", "LS", {"likelihood": 1, "severity": 3}, "赵敏（行政部）"),
    ("Z-CCR", "blue", "LEC", {"L": 1, "E": 6, "C": 7}, "黄建华（合成车间）"),
    ("Z-FS1", "blue", "LS", {"likelihood": 2, "severity": 2}, "钱勇（安环部）"),
    ("Z-PK1", "blue", "LS", {"likelihood": 2, "severity": 3}, "赵敏（行政部）"),
]
RISK_MARGIN_M = 5.0


def _zones() -> list[Feature]:
    return [
        (
            {
                "code": code,
                "kind": kind,
                "name": name,
                "name_en": name_en,
                "restricted": restricted,
                "max_occupancy": occupancy,
                "height_m": height,
                "floors": floors,
            },
            box(*rect),
        )
        for code, kind, name, name_en, rect, restricted, height, floors, occupancy in ZONES
    ]


def _installations() -> list[Feature]:
    out = []
    for code, kind, zone, name, name_en, where, diameter, height, stock, owner in INSTALLATIONS:
        geom = Point(where).buffer(diameter / 2, quad_segs=12) if diameter else box(*where)
        props = {
            "code": code,
            "kind": kind,
            "zone_code": zone,
            "name": name,
            "name_en": name_en,
            "height_m": height,
            "diameter_m": diameter,
            "is_hazard_source": owner is not None,
            "inventory": [
                {"chemical": c, "design_capacity_t": float(cap), "quantity_t": float(q)}
                for c, cap, q in stock
            ],
        }
        if owner is not None:
            principal, technical, operational = RESPONSIBLE[owner]
            props["responsible"] = {
                "principal": principal,
                "technical": technical,
                "operational": operational,
            }
        out.append((props, geom))
    return out


def _equipment() -> list[Feature]:
    return [
        (
            {
                "code": code,
                "kind": kind,
                "installation_code": inst,
                "name": name,
                "name_en": name_en,
                "tag_no": tag,
            },
            Point(xy),
        )
        for code, kind, inst, name, name_en, tag, xy in EQUIPMENT
    ]


def _sensors() -> list[Feature]:
    gases = load_rules()["gases"]
    out = []
    for code, gas, xy, source_m, zone, inst, place, place_en in GAS_DETECTORS:
        label = "氧含量" if gas == "oxygen" else gases[gas]["name"]
        out.append(
            (
                {
                    "code": code,
                    **sensor_fields(gas),
                    "name": f"{label}探测器（{place}）",
                    "name_en": f"{gases[gas]['name_en'].capitalize()} detector, {place_en}",
                    "install_height_m": install_height_m(gas, source_m),
                    "zone_code": zone,
                    "installation_code": inst,
                },
                Point(xy),
            )
        )
    for code, instrument, xy, height, zone, inst, name, name_en in PROCESS_SENSORS:
        kind, unit, (low, high), (alarm_low, alarm_1, alarm_2) = INSTRUMENTS[instrument]
        out.append(
            (
                {
                    "code": code,
                    "kind": kind,
                    "unit": unit,
                    "range_min": low,
                    "range_max": high,
                    "alarm_low": alarm_low,
                    "alarm_high_1": alarm_1,
                    "alarm_high_2": alarm_2,
                    "install_height_m": height,
                    "zone_code": zone,
                    "installation_code": inst,
                    "name": name,
                    "name_en": name_en,
                },
                Point(xy),
            )
        )
    return out


def _points() -> Layers:
    """Cameras, base stations, exits, assembly points and rescue resources."""
    hydrants = [
        (f"HY-{i:02d}", "hydrant", f"室外消火栓{i:02d}", f"Hydrant {i:02d}", xy, 1, "个")
        for i, xy in enumerate(HYDRANTS, start=1)
    ]
    return {
        "cameras": [
            (
                {
                    "code": code,
                    "name": f"{name}摄像机",
                    "name_en": f"{name_en} camera",
                    "heading_deg": heading,
                    "fov_deg": fov,
                    "install_height_m": height,
                },
                Point(xy),
            )
            for code, name, name_en, xy, heading, fov, height in CAMERAS
        ],
        "base_stations": [
            (
                {
                    "code": f"BS-{i:02d}",
                    "name": f"UWB定位基站{i:02d}",
                    "name_en": f"UWB anchor {i:02d}",
                    "technology": "uwb",
                    "install_height_m": 3.5 if i == 12 else 4.0,
                    "floor": 0,
                },
                Point(xy),
            )
            for i, xy in enumerate(BASE_STATIONS, start=1)
        ],
        "exits": [
            (
                {"code": code, "kind": kind, "name": name, "name_en": name_en, "width_m": width},
                Point(xy),
            )
            for code, kind, name, name_en, xy, width in EXITS
        ],
        "assembly_points": [
            ({"code": code, "name": name, "name_en": name_en, "capacity": capacity}, Point(xy))
            for code, name, name_en, xy, capacity in ASSEMBLY_POINTS
        ],
        "rescue_resources": [
            (
                {
                    "code": code,
                    "kind": kind,
                    "name": name,
                    "name_en": name_en,
                    "quantity": quantity,
                    "unit": unit,
                },
                Point(xy),
            )
            for code, kind, name, name_en, xy, quantity, unit in RESCUE + hydrants
        ],
    }


def _risk_zones() -> list[Feature]:
    rects = {z[0]: (z[2], z[3], z[4]) for z in ZONES}
    out = []
    for zone, grade, method, factors, owner in RISKS:
        name, name_en, rect = rects[zone]
        score = 1.0
        for value in factors.values():
            score *= value
        geom = box(*rect).buffer(RISK_MARGIN_M, join_style="mitre")
        out.append(
            (
                {
                    "code": f"RZ-{zone[2:]}",
                    "name": f"{name}风险分区",
                    "name_en": f"{name_en} risk zone",
                    "grade": grade,
                    "method": method,
                    "score": score,
                    "factors": factors,
                    "owner": owner,
                },
                geom,
            )
        )
    return out


def _network() -> tuple[list[Feature], list[Feature]]:
    routes = RouteBuilder()
    _roads(routes)
    _unit_walkways(routes)
    _buildings(routes)
    for _code, kind, name, name_en, xy, _width in EXITS:
        routes.mark(xy, "gate" if kind == "gate" else "exit", name, name_en)
    for _code, name, name_en, xy, _capacity in ASSEMBLY_POINTS:
        routes.mark(xy, "assembly", name, name_en)
    return routes.build()


def _roads(r: RouteBuilder) -> None:
    for y, width, name, name_en in (
        (15, 7.0, "南环路", "South ring road"),
        (200, 9.0, "纬一路", "East-west road 1"),
        (400, 9.0, "纬二路", "East-west road 2"),
        (585, 7.0, "北环路", "North ring road"),
    ):
        r.path([(15, y), (785, y)], "road", width, name, name_en)
    for x, width, name, name_en in (
        (15, 7.0, "西环路", "West ring road"),
        (260, 9.0, "经一路", "North-south road 1"),
        (520, 9.0, "经二路", "North-south road 2"),
        (785, 7.0, "东环路", "East ring road"),
    ):
        r.path([(x, 15), (x, 585)], "road", width, name, name_en)
    r.path([(650, 1), (650, 15)], "road", 9.0, "主大门进厂路", "Main gate access")
    r.path([(1, 110), (15, 110)], "road", 9.0, "物流门进厂路", "Logistics gate access")
    r.path([(799, 470), (785, 470)], "road", 6.0, "东侧应急通道", "East emergency lane")
    r.path([(1, 300), (15, 300)], "road", 6.0, "西侧应急通道", "West emergency lane")
    r.path([(520, 105), (785, 105)], "road", 6.0, "行政区支路", "Admin service road")
    r.path([(520, 352), (770, 352)], "road", 6.0, "停车场通道", "Car park lane")
    # Tankers enter at the north lane and leave by the south one: one way only.
    r.path(
        [(15, 150), (215, 150), (215, 70), (15, 70)],
        "road",
        6.0,
        "装车车道（单向）",
        "Loading lane (one-way)",
        one_way=True,
    )
    r.path([(400, 599), (400, 585)], "walkway", 1.5, "北侧应急出口通道", "North exit path")
    r.path([(130, 1), (130, 15)], "walkway", 1.5, "南侧应急出口通道", "South exit path")
    for x, y0, y1, name, name_en in (
        (700, 40, 15, "主大门集合点通道", "AP-01 path"),
        (760, 372, 352, "东侧集合点通道", "AP-02 path"),
        (320, 60, 15, "南侧集合点通道", "AP-03 path"),
    ):
        r.path([(x, y0), (x, y1)], "walkway", 2.0, name, name_en)


def _loop(rect: Rect) -> list[tuple[float, float]]:
    x0, y0, x1, y1 = rect
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]


def _unit_walkways(r: RouteBuilder) -> None:
    rects = {z[0]: z[4] for z in ZONES}
    for zone in ("Z-LD1", "Z-TF2", "Z-LPG1", "Z-SYN1", "Z-TF1", "Z-CL1"):
        r.path(_loop(rects[zone]), "walkway", 1.5, "装置环形巡检道", "Unit perimeter walkway")
    cross = "walkway", 2.0, "装置内通道", "In-unit walkway"
    for line in (
        [(137.5, 185), (137.5, 200)],
        [(245, 107.5), (260, 107.5)],
        [(137.5, 30), (137.5, 15)],
        [(15, 110), (30, 110)],
        [(120, 30), (120, 185)],
        [(15, 300), (260, 300)],
        [(105, 200), (105, 400)],
        [(15, 470), (260, 470)],
        [(111, 400), (111, 585)],
        [(164, 400), (164, 585)],
        [(260, 460), (520, 460)],
        [(385, 400), (385, 585)],
        [(260, 275), (520, 275)],
        [(260, 345), (520, 345)],
        [(355, 200), (355, 400)],
        [(405, 200), (405, 400)],
        [(450, 200), (450, 400)],
        [(645, 450), (645, 400)],
        [(590, 490), (520, 490)],
        [(700, 490), (785, 490)],
        [(645, 530), (645, 585)],
        [(380, 110), (520, 110)],
        [(442.5, 15), (442.5, 200)],
        [(520, 257.5), (785, 257.5)],
    ):
        r.path(line, *cross)
    # Ladders and stairs of tanks and columns, 1 m short of the shell.
    for a, b in (
        ((75, 300), (75, 271.75)),
        ((135, 300), (135, 271.75)),
        ((75, 300), (75, 328.25)),
        ((135, 300), (135, 328.25)),
        ((85, 470), (85, 489.4)),
        ((137.5, 470), (137.5, 489.4)),
        ((190, 470), (190, 489.4)),
        ((345, 460), (345, 492.85)),
        ((425, 460), (425, 492.85)),
        ((330, 275), (330, 262.8)),
        ((330, 345), (330, 322.6)),
        ((380, 345), (380, 322.9)),
        ((430, 345), (430, 332.5)),
        ((470, 345), (470, 332.3)),
    ):
        r.path([a, b], "walkway", 1.2, "设备检修通道", "Equipment access")


def _buildings(r: RouteBuilder) -> None:
    """Doors, corridors and stairs of the buildings people shelter in or leave."""
    # building, outside path, door (outside -> inside), door width, corridors
    for name, name_en, outside, door, width_m, corridors in (
        (
            "液氯钢瓶库",
            "Chlorine store",
            [(645, 450), (645, 476)],
            ((645, 476), (645, 480)),
            1.5,
            [[(645, 480), (645, 500)], [(625, 490), (665, 490)]],
        ),
        (
            "液氯钢瓶库",
            "Chlorine store",
            [(645, 504), (645, 530)],
            ((645, 504), (645, 500)),
            1.5,
            [],
        ),
        (
            "中央控制室",
            "Control room",
            [(570, 15), (570, 53)],
            ((570, 53), (570, 57)),
            1.2,
            [[(570, 57), (570, 88)], [(555, 72), (585, 72)]],
        ),
        ("中央控制室", "Control room", [(570, 105), (570, 92)], ((570, 92), (570, 88)), 1.2, []),
        (
            "综合办公楼",
            "Office building",
            [(580, 105), (580, 118)],
            ((580, 118), (580, 122)),
            2.0,
            [[(580, 122), (580, 148)], [(550, 135), (610, 135)]],
        ),
        (
            "综合办公楼",
            "Office building",
            [(580, 200), (580, 152)],
            ((580, 152), (580, 148)),
            1.2,
            [],
        ),
        (
            "消防站",
            "Fire station",
            [(720, 105), (720, 113)],
            ((720, 113), (720, 117)),
            2.0,
            [[(720, 117), (720, 140)], [(700, 140), (740, 140)]],
        ),
        (
            "维修车间",
            "Workshop",
            [(320, 200), (320, 167)],
            ((320, 167), (320, 163)),
            2.0,
            [[(320, 163), (320, 145)], [(295, 145), (345, 145)]],
        ),
    ):
        r.path(outside, "walkway", 2.0, f"{name}出入口通道", f"{name_en} entrance path")
        r.path(list(door), "door", width_m, f"{name}门", f"{name_en} door")
        r.mark(door[0], "door", f"{name}门", f"{name_en} door")
        for line in corridors:
            r.path(line, "walkway", 1.8, f"{name}室内通道", f"{name_en} corridor")
    # Switchback stairs: landings alternate between two points on successive floors.
    for name, name_en, landings, floors, corridor_x in (
        ("综合办公楼", "Office building", ((610, 135), (610, 143)), 4, 550),
        ("消防站", "Fire station", ((740, 140), (740, 148)), 2, 700),
    ):
        for floor in range(floors):
            here = landings[floor % 2]
            r.mark(here, "stair", f"{name}楼梯", f"{name_en} stair", floor=floor)
            if floor:
                r.path(
                    [here, (corridor_x, here[1])],
                    "walkway",
                    1.8,
                    f"{name}{floor + 1}层走廊",
                    f"{name_en} floor {floor + 1} corridor",
                    floor=floor,
                )
            if floor + 1 < floors:
                r.link(
                    here,
                    floor,
                    landings[(floor + 1) % 2],
                    floor + 1,
                    "stair",
                    1.2,
                    f"{name}楼梯",
                    f"{name_en} stair",
                )


def build_local() -> Layers:
    """Every layer in local metres (x east, y north from the south-west fence corner)."""
    nodes, edges = _network()
    return {
        "zones": _zones(),
        "installations": _installations(),
        "equipment": _equipment(),
        "sensors": _sensors(),
        **_points(),
        "route_nodes": nodes,
        "route_edges": edges,
        "risk_zones": _risk_zones(),
    }


def build() -> tuple[dict[str, Any], Layers]:
    """The demo site record (like ``site.json``) and its layers in EPSG:4490.

    Returns
    -------
    site : dict
        Code, names, credit code, metric SRID and the fence as a GeoJSON Polygon.
    layers : dict
        Layer name -> list of ``(properties, geometry)``, in registry order.
    """
    origin = geo.origin_for(*SIZE_M)
    fence = box(0.0, 0.0, *SIZE_M)
    site = geo.site_record(
        SITE_CODE,
        "江苏青澜示范化工有限公司 (fictional)",
        "Jiangsu Qinglan Demo Chemical Co., Ltd. (fictional)",
        CREDIT_CODE,
        geo.to_cgcs2000_geometry(fence, origin),
    )
    return site, geo.to_cgcs2000(geo.ordered(build_local()), origin)


def main(out_dir: Path = DATA_DIR) -> None:
    """Write ``site.json`` and ``plant.geojson`` into ``out_dir`` and print the counts."""
    site, layers = build()
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "site.json").write_text(
        json.dumps(site, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    geo.write_geojson(layers, out_dir / "plant.geojson", name=f"{SITE_CODE}_plant")
    for name, features in layers.items():
        print(f"{name:18} {len(features):5d}")
    print(f"{'total':18} {geo.total_features(layers):5d}")


if __name__ == "__main__":
    main()
