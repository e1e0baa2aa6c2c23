"""routelab services and UI glue (see DESIGN: pages -> app -> routers)."""
