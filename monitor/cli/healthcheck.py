"""Container health check: asks the running daemon's ``/healthz`` on loopback."""

from __future__ import annotations

import os

import httpx


def main() -> int:
    port = os.environ.get("MONITOR_API_PORT", "8080")
    try:
        response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=3.0)
    except httpx.HTTPError:
        return 1
    return 0 if response.status_code == 200 else 1


if __name__ == "__main__":
    raise SystemExit(main())
