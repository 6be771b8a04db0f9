"""The plant model: every spatial layer of a site, driven by one layer registry."""
