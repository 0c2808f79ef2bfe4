"""The store: every table and query of monitor, behind one ``Store`` class."""

from monitor.store.records import Attempt, OutboxItem, PollOutcome, SourceInfo, dedupe_key
from monitor.store.sql import Store

# Besides ``Store``: the records it takes and gives, its row types (``tables``), and the
# read models the API, the console and the CLI page through (functions over a ``Store``).
# The query mixins, the engine and the migrations are the store's own.
__all__ = ["Attempt", "OutboxItem", "PollOutcome", "SourceInfo", "Store", "alertlist",
           "articlelist", "console", "dedupe_key", "leases", "outbox_types", "records",
           "retention", "sourcelist", "sources", "storylist", "storytables", "storyterms", "tables",
           "triage"]
