"""Routers in the app: configs, the catalog, comparison, feedback, live."""
