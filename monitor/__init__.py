"""monitor: a self-hosted, multilingual news-monitoring alert daemon."""

__version__ = "0.1.0"
