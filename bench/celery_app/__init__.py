"""The pipeline a Python team would build instead of Messenger, for the benchmark (issue 16):
Celery on Redis, one task per message, smtplib, SQLite.

These modules run only inside `build/bench-celery-venv` (arq pins redis below 6, so Celery
cannot share the project's venv), imported as the top-level package `celery_app` with
PYTHONPATH=bench; bench/celery_pipeline.py makes that venv, starts everything and times it.
Nothing in the project imports them.
"""
