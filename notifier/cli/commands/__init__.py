"""One module per command; each exposes ``fn(args) -> int`` and imports what it needs lazily."""
