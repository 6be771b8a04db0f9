"""Import and export of site drawings: GeoJSON (RFC 7946), GeoPackage and KML."""
