"""Rules: the rule language (files, concepts, query syntax), its compilation and matching.

The other rooms use the matcher (built from a rules directory), the query parser and the
per-language text helpers. Rule-set versions shared by workers (``versions.RuleSync``) and
backtests read the store: they are imported from their modules, so that importing the language
never loads the store.
"""

from monitor.rules.analysis import normalise
from monitor.rules.language import detect_language
from monitor.rules.matcher import Matcher
from monitor.rules.syntax import QuerySyntaxError, parse

# Submodules named here are the other rooms' to import (each loads what it needs only when
# imported: the store for backtests and versions, wordfreq or Babel for the rule tools).
__all__ = ["Matcher", "QuerySyntaxError", "backtest", "candidate", "collisions", "concepts",
           "detect_language", "files", "gazetteer", "language", "located", "normalise", "parse",
           "rulecache", "versions"]
