"""The store: every table and query of monitor, behind one ``Store`` class."""

from monitor.store.records import Attempt, OutboxItem, PollOutcome, SourceInfo, dedupe_key
from monitor.store.sql import Store

__all__ = ["Attempt", "OutboxItem", "PollOutcome", "SourceInfo", "Store", "dedupe_key"]
