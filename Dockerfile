# Statroom application image: gunicorn serving app:server.
#
#   docker build -t statroom .
#   docker run --rm -p 8000:8000 -e STATROOM_SECRET_KEY=... -e STATROOM_DATABASE_URL=... statroom
#
# compose.yaml runs it next to PostgreSQL and Redis; docs/deployment.md explains the settings.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # gunicorn reads these: worker processes, and which proxies may set X-Forwarded-*.
    WEB_CONCURRENCY=2 \
    FORWARDED_ALLOW_IPS="*" \
    # Without STATROOM_DATABASE_URL the app keeps a SQLite file in the volume below.
    STATROOM_DATABASE_URL=sqlite:////app/instance/statroom.db \
    # numba caches the refresh's compiled forecast kernel here (the code is read-only).
    NUMBA_CACHE_DIR=/tmp/statroom-numba

WORKDIR /app

# Dependencies first (psycopg's binary wheel bundles libpq: nothing to compile), so code
# changes do not reinstall them.
COPY pyproject.toml README.md ./
RUN mkdir -p data analytics components pages api \
    && touch app.py cli.py data/__init__.py analytics/__init__.py components/__init__.py \
       pages/__init__.py api/__init__.py \
    && pip install -e . \
    && rm -rf data analytics components pages api app.py cli.py

COPY app.py cli.py ./
COPY data ./data
COPY analytics ./analytics
COPY components ./components
COPY pages ./pages
COPY api ./api
COPY assets ./assets

RUN useradd --system --create-home --home-dir /home/statroom statroom \
    && mkdir -p /app/instance \
    && chown statroom /app/instance
USER statroom
VOLUME ["/app/instance"]

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

# Run `statroom migrate` once per deployment before starting (compose.yaml does).
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--timeout", "120", "--access-logfile", "-", "app:server"]
