"""Names vulture cannot see used: called by a framework, a protocol or the tests, not by monitor.

Run as ``vulture monitor lint/vulture_whitelist.py --min-confidence 60`` ([tool.vulture] in
pyproject.toml). Each entry says who uses the name; dead code belongs deleted, not listed here.
"""

from typing import Any

_: Any = None

# Signatures fixed by Python: __exit__ receives the traceback whether or not it is used
# (monitor/cli/progress.py, monitor/testing.py); BaseHTTPRequestHandler.log_message's argument
# is named ``format`` by the standard library (monitor/testing.py).
_.tb
_.format

# uvicorn.Server: the daemon overrides capture_signals (it owns SIGTERM/SIGINT) and stops the
# server through should_exit (monitor/daemon.py).
_.capture_signals
_.should_exit

# httpx.AsyncBaseTransport and httpcore's network backend: the webhook transport and the URL
# policy implement them (monitor/delivery/notifiers/transport.py, monitor/reader/urlpolicy.py).
_.handle_async_request
_.connect_unix_socket

# logging: Formatter.format overrides and the LogRecord message the redacting filter rewrites
# (monitor/logs.py).
_.msg

# prometheus_client: a custom collector's collect() is called on every scrape (monitor/metrics.py).
_.collect

# html.parser.HTMLParser callbacks (monitor/reader/article.py).
_.handle_starttag
_.handle_endtag
_.handle_data

# http.server: the loopback test server's handler and server attributes (monitor/testing.py).
_.protocol_version
_.log_message
_.do_GET
_.do_HEAD
_.do_POST
_.do_PUT
_.daemon_threads

# alembic reads these module attributes of every migration (monitor/store/migrations/versions/).
_.revision
_.down_revision
_.branch_labels
_.depends_on
_.downgrade

# Public helpers the tests (and bench/) use: the loopback server's per-path handlers
# (monitor/testing.py is shipped for tests), the event catalogue and the table of settings that
# tests check the README against (monitor/logs.py, monitor/settings.py), and the rule
# constructor tests and bench/bench_matcher.py build rules with (monitor/rules/files.py).
_.route
_.EVENTS
_.known_settings
_.make_rule

# The poller is about to pick targets with it again (in progress in another change): delete this
# entry when it does (monitor/delivery/targets.py).
_.choose

# Matcher.overruns counts articles matched on part of them (docs/rules.md, "Bounded work per
# article"); the tests and benchmarks read it, the daemon logs each overrun instead.
_.overruns
# Read by the console's Jinja templates (monitor/web/templates/stories.html).
_.last_seen
