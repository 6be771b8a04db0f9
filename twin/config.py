"""Typed settings read from the environment (prefix ``TWIN_``), validated at start."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Shipped so the demo runs with zero configuration; refused outside demo mode.
DEMO_SECRET_KEY = "plant-twin-demo-secret-change-me-0000000000"  # noqa: S105


class Settings(BaseSettings):
    """Runtime configuration. Unset URLs mean "use the embedded defaults"."""

    model_config = SettingsConfigDict(env_prefix="TWIN_", env_file=".env", extra="ignore")

    database_url: str | None = None
    mqtt_url: str | None = None
    # Stable across restarts: the broker keeps this client's session and queued readings.
    mqtt_client_id: str = "plant-twin-ingest"
    mqtt_shared_group: str | None = None
    # Run simulated field devices for the demo site over the real protocols.
    simulate: bool = False
    # Modbus TCP devices to poll (see data/demo/modbus-devices.yaml for the format).
    modbus_devices: Path | None = None
    secret_key: SecretStr = SecretStr(DEMO_SECRET_KEY)
    demo: bool = False
    demo_password: SecretStr = SecretStr("demo")
    data_dir: Path = Path(".twin")
    host: str = "127.0.0.1"
    port: int = 8000
    token_ttl_min: int = 8 * 60  # one shift
    # Login throttling: failures per (username, client) inside the window.
    login_max_failures: int = 5
    login_window_s: int = 15 * 60
    ogc_default_limit: int = 100
    ogc_max_limit: int = 10_000
    import_max_bytes: int = 200 * 1024 * 1024
    # Database session limits in seconds (0: none). A request that waits on a lock, runs a
    # statement or sits idle inside a transaction longer than this is cut off, rolled back
    # and answered 503, so one stuck transaction can never hold up everyone behind it.
    db_lock_timeout_s: float = 5.0
    db_statement_timeout_s: float = 30.0
    db_idle_in_transaction_timeout_s: float = 60.0
    # How long a request waits for a free database connection before it is answered 503.
    db_pool_timeout_s: float = 10.0
    # On SIGTERM, requests in flight get this long to finish; then they are cut off and the
    # live plane stops (each of its parts gets the same bound again).
    shutdown_grace_s: float = 10.0
    # Alarm notifications: level 0 on raise, then one level per escalation step.
    notify_webhook_url: str | None = None
    escalation_webhook_urls: list[str] = []
    # Raw readings and positions are kept this many days; one-minute rollups far longer.
    raw_retention_days: int = 30
    rollup_retention_days: int = 730
    # An XYZ raster tile server on the plant network, e.g. http://10.0.0.9/tiles/{z}/{x}/{y}.png;
    # unset, the plant's own layers are the whole map (no online tiles: plants are air-gapped).
    basemap_tile_url: str | None = None

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Settings:
        if not self.demo and self.secret_key.get_secret_value() == DEMO_SECRET_KEY:
            raise ValueError(
                "TWIN_SECRET_KEY is the shipped demo key; set a secret of your own "
                "(e.g. `openssl rand -hex 32`) or run in demo mode (TWIN_DEMO=1)"
            )
        if len(self.secret_key.get_secret_value()) < 32:
            raise ValueError("TWIN_SECRET_KEY must be at least 32 characters")
        return self
