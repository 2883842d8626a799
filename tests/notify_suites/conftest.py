"""Notify's own integration suites live here as published; pytest must not collect them."""

collect_ignore_glob = ["python/*", "node/*"]
