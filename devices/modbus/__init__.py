"""Modbus TCP ingress: register maps per device model, device config, the asyncio poller.

Register maps are data (``data/devices/<model>.yaml``); the poller turns registers into
`devices.values.Reading` objects at the protocol boundary and puts them on a queue.
"""

from devices.modbus.config import ChannelBinding, DeviceConfig
from devices.modbus.poller import DevicePoller, ModbusPoller
from devices.modbus.registers import (
    MAPS_DIR,
    RegisterMap,
    RegisterMapError,
    RegisterPoint,
    load_register_map,
    load_register_maps,
)
from devices.modbus.status import BackoffPolicy, DeviceState, DeviceStatus, PollCounters

__all__ = [
    "MAPS_DIR",
    "BackoffPolicy",
    "ChannelBinding",
    "DeviceConfig",
    "DevicePoller",
    "DeviceState",
    "DeviceStatus",
    "ModbusPoller",
    "PollCounters",
    "RegisterMap",
    "RegisterMapError",
    "RegisterPoint",
    "load_register_map",
    "load_register_maps",
]
