"""OGC API - Features (Part 1 Core, GeoJSON, OAS 3.0; Part 2 CRS) over the plant layers."""
