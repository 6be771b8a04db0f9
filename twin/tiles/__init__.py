"""Vector tiles of the plant layers (PostGIS ST_AsMVT) and the map the viewer opens."""
