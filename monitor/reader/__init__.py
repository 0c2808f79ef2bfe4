"""Reader: from a source to Articles: fetch, URL policy, schedule, parsers, extraction, stories.

The other rooms use the fetcher and its URL policy (the webhook transport shares the policy),
and extraction of a raw item into an ``Article``. The poller (``poller.Pipeline``), which
writes to the store and hands alerts on, is imported from its module: re-exported here, every
import of the URL policy would load the whole pipeline and the rooms it calls.
"""

from monitor.reader.article import extract
from monitor.reader.fetcher import Fetcher, FetchLimits, FetchResult, Validators
from monitor.reader.urlpolicy import URLPolicy

__all__ = ["FetchLimits", "FetchResult", "Fetcher", "URLPolicy", "Validators", "extract"]
