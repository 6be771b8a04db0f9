"""The plant in 3D: zones, buildings, installations and sensors as one binary glTF.

``build`` and ``shapes`` turn features into pyvista meshes, ``glb`` writes them through
VTK's glTF exporter with one named node per feature, ``service`` reads the site from
PostGIS in its metric CRS and caches the result per plant version, ``api`` serves it.
"""
