"""routelab: services in layered packages, and the UI glue (see docs/architecture.md)."""
