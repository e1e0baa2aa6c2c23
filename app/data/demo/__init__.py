"""The built-in demo: a prompt set written for routelab, answered by the local models."""
