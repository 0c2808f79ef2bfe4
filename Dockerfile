# A small image for the monitor daemon: Python slim, non-root, health checked.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY monitor ./monitor
COPY rules ./rules
COPY seeds ./seeds
RUN pip install '.[postgres]' \
    && useradd --system --uid 10001 --home-dir /data monitor \
    && mkdir -p /data && chown monitor /data
USER monitor
WORKDIR /data
ENV MONITOR_RULES_DIR=/app/rules MONITOR_SEEDS_DIR=/app/seeds \
    MONITOR_DATABASE_URL=sqlite:////data/monitor.db
VOLUME ["/data"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import monitor.healthcheck as h; raise SystemExit(h.main())"
ENTRYPOINT ["monitor"]
CMD ["run"]
