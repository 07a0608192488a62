"""Command-line commands contributed by the larger capabilities (reports, transfer, UI)."""
