"""Getting logs in: importers, the collector, the built-in demo."""
