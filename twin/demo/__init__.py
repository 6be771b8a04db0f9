"""The fictional demo plant and a synthetic large-plant generator, built from rule data."""
