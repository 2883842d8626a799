"""Aftercare: outcomes and their follow-up, water-company reports, contact attempts, the client
timeline, what-works reports, and privacy (export, erasure, retention)."""
