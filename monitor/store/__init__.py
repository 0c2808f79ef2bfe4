"""The store: every table and query of monitor, behind one ``Store`` class."""

from monitor.store.records import OutboxItem, PollOutcome, SourceInfo, dedupe_key
from monitor.store.sql import Store

__all__ = ["OutboxItem", "PollOutcome", "SourceInfo", "Store", "dedupe_key"]
