// What colour a sensor is: its strongest active alarm, else its latest reading's quality.
// One rule for the 2D map, the 3D view and anything else that draws sensors.

// Alarm kinds that colour a sensor, strongest first.
const SENSOR_STATES = ["high_2", "high_1", "low", "rate", "fault", "stale"];

export function sensorState(code, alarms, sensors) {
  const kinds = new Set([...alarms.values()].filter((a) => a.sensor === code && a.active).map((a) => a.kind));
  const strongest = SENSOR_STATES.find((k) => kinds.has(k));
  if (strongest) return strongest;
  const latest = sensors.get(code)?.latest;
  if (!latest) return "nodata";
  return latest.quality === "bad" ? "fault" : "ok";
}
