# A small image for the monitor daemon: Python slim, non-root, health checked on /healthz.
# Build stage: wheels only, so the final image carries no compiler or pip cache.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY monitor ./monitor
COPY rules ./rules
COPY seeds ./seeds
RUN pip wheel --wheel-dir /wheels '.[postgres]'

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
COPY --from=build /wheels /wheels
COPY rules /app/rules
COPY seeds /app/seeds
RUN pip install --no-index --find-links /wheels 'monitor[postgres]' && rm -rf /wheels \
    && useradd --system --uid 10001 --home-dir /data monitor \
    && mkdir -p /data && chown monitor /data
USER 10001
WORKDIR /data
# The API listens on the container's addresses so that the health check and other containers
# reach it; that needs MONITOR_API_TOKEN(_FILE), or the daemon refuses to start.
ENV MONITOR_RULES_DIR=/app/rules MONITOR_SEEDS_DIR=/app/seeds \
    MONITOR_DATABASE_URL=sqlite:////data/monitor.db \
    MONITOR_API_HOST=0.0.0.0 MONITOR_API_PORT=8080 MONITOR_LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-m", "monitor.cli.healthcheck"]
ENTRYPOINT ["monitor"]
CMD ["run"]
