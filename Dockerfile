# The app image used by docker-compose.yml. Migrations run on start.
FROM python:3.11-slim-bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends gdal-bin nodejs npm chromium fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml requirements.lock README.md ./
COPY twin twin
COPY gis gis
COPY sim sim
COPY devices devices
COPY viewer viewer
# The map's browser libraries from the npm registry, by the lockfile (never from a CDN).
RUN cd viewer && npm ci --no-audit --no-fund --loglevel=error
COPY data data
RUN pip install --no-cache-dir -c requirements.lock -e . \
 && useradd --system --uid 10001 twin
USER twin
EXPOSE 8000
CMD ["twin", "serve"]
