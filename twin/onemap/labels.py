"""Chinese labels and map colours the one map shows regulators.

The risk colours are the viewer's (``viewer/static/index.html``), so the report map, the
files and the live page agree on what "red" looks like.
"""

from __future__ import annotations

from typing import Final

# Title of each one-map layer: KML folder names, the report map's layer switcher.
LAYER_TITLES: Final = {"hazard_sources": "重大危险源", "risk_zones": "风险分区", "zones": "区域"}

RISK_GRADES: Final = ("red", "orange", "yellow", "blue")
RISK_GRADE_ZH: Final = {
    "red": "重大风险",
    "orange": "较大风险",
    "yellow": "一般风险",
    "blue": "低风险",
}
RISK_COLOURS: Final = {
    "red": "#e53935",
    "orange": "#fb8c00",
    "yellow": "#fdd835",
    "blue": "#1e88e5",
}

HAZARD_GRADE_ZH: Final = {
    1: "一级重大危险源",
    2: "二级重大危险源",
    3: "三级重大危险源",
    4: "四级重大危险源",
}
NOT_MAJOR_ZH: Final = "未构成重大危险源"
# Where a live grade's quantities come from (the ``basis`` of twin.hazards.service).
BASIS_ZH: Final = {
    "level": "实时液位",
    "registered quantity (no live level)": "登记数量（无实时液位）",
}
# Grade 1 is the most severe: darker and redder as the grade rises.
HAZARD_COLOURS: Final = {1: "#b71c1c", 2: "#e65100", 3: "#f9a825", 4: "#1565c0", None: "#616161"}

ZONE_KIND_ZH: Final = {
    "process_unit": "生产装置",
    "tank_farm": "罐区",
    "warehouse": "仓库",
    "control_room": "控制室",
    "office": "办公区",
    "gate": "大门",
    "workshop": "车间",
    "utility": "公用工程",
    "loading": "装卸区",
    "fire_station": "消防站",
    "parking": "停车场",
    "green": "绿地",
    "other": "其他",
}
ZONE_COLOURS: Final = {
    "process_unit": "#ab47bc",
    "tank_farm": "#8d6e63",
    "warehouse": "#78909c",
    "control_room": "#26a69a",
    "office": "#90caf9",
    "gate": "#bdbdbd",
    "workshop": "#a1887f",
    "utility": "#4db6ac",
    "loading": "#ffb74d",
    "fire_station": "#ef5350",
    "parking": "#cfd8dc",
    "green": "#81c784",
    "other": "#e0e0e0",
}

SENSOR_KIND_ZH: Final = {
    "gas": "气体探测器",
    "oxygen": "氧含量",
    "temperature": "温度",
    "pressure": "压力",
    "level": "液位",
    "flow": "流量",
    "wind": "风速风向",
}
