"""The store: every table and query of monitor, behind one ``Store`` class."""

from monitor.store.sql import OutboxItem, PollOutcome, SourceInfo, Store, dedupe_key

__all__ = ["OutboxItem", "PollOutcome", "SourceInfo", "Store", "dedupe_key"]
