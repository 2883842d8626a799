# One image for the API, the worker and the migration step.
FROM python:3.11-slim

# WeasyPrint needs Pango (and its fonts) to lay out letters.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# The exact versions of every dependency, with their hashes (`make lock`), in a layer that is
# built again only when the lock changes. The lock holds the build backend (hatchling) too, so
# Messenger itself is built from it, with nothing fetched that the lock does not name.
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY messenger ./messenger
COPY channels ./channels
COPY worker ./worker
COPY templates ./templates
RUN pip install --no-cache-dir --no-deps --no-build-isolation .

RUN useradd --create-home messenger && mkdir -p /app/var && chown messenger /app/var
USER messenger
ENV MESSENGER_VAR_DIR=/app/var
EXPOSE 8000
# Exec form: messenger is PID 1 and gets `docker stop`'s SIGTERM itself; it stops in order and
# exits 0 (README, Production).
CMD ["messenger", "serve", "--host", "0.0.0.0", "--port", "8000", "--no-migrate"]
