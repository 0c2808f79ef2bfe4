"""Reader: from a source to Articles: fetch, URL policy, schedule, parsers, extraction, stories.

The other rooms use the fetcher (``fetcher``) and its URL policy (``urlpolicy``: the webhook
transport shares it), the month names generated from CLDR (``monthnames``: the gazetteer
command regenerates them), and extraction of a raw item into an ``Article`` (``article.extract``),
each imported from its module. Nothing is re-exported here: Python runs this file before any
submodule, so a re-export would make every import of the URL policy load the fetcher and HTTP
client, and every extraction load the poller and the rooms it calls.
"""

__all__ = ["article", "breaking", "fetcher", "monthnames", "parsers", "poller", "schedule",
           "semantic", "urlpolicy", "websub"]
