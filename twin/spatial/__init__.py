"""Spatial questions a commander asks: what is near, what contains, what is inside."""
