"""The arq worker: job functions and cron jobs. Thin: each job calls a messenger service."""
