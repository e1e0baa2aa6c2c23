"""Benchmarks: each module has run() -> list[Figure]; `make bench` runs them all."""
