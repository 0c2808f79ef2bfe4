"""The command line: the only part of monitor that prints for people (``monitor ...``)."""

from monitor.cli.main import main

__all__ = ["main"]
