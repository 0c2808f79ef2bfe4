"""The hostile replay's documents: the feeds its loopback server serves, and the files of the
folder source it adds (under the daemon's one folder root)."""

from __future__ import annotations

from pathlib import Path

from monitor.testing import LoopbackServer, Reply

EMBASSY = "The embassy of Russia "
# Nine nested aliases: a billion-node tree for whoever expands them.
BOMB_LINES = ("a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
              "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
              "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
              "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n")
# The 303-byte rule file of the issue: the bomb used as a mapping key.
BOMB_RULE = BOMB_LINES + "? [*g,*g,*g]\n: x\n"


def _rss(items: str) -> bytes:
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
            f"{items}</channel></rss>").encode()


def _item(i: int, text: str, *, title: str | None = None,
          link: str | None = None) -> str:
    return (f"<item><title>{title or f'Item {i}'}</title><guid>g-{i}</guid>"
            f"<link>{link or f'https://example.org/{i}'}</link>"
            f"<description>{text}</description></item>")


def feeds(server: LoopbackServer) -> dict[str, str]:
    """Serve every hostile feed from ``server``; their sizes by path."""
    doctype = b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "b">]>'
    routes = {
        "/embassy-44k.xml": _rss(_item(1, EMBASSY * 2000)),
        "/embassy-88k.xml": _rss(_item(1, EMBASSY * 4000)),
        "/embassy-10m.xml": _rss(_item(1, EMBASSY * 450_000)),
        "/doctype-480k.xml": doctype * 8000 + _rss(_item(1, "x")),
        "/doctype-960k.xml": doctype * 16000 + _rss(_item(1, "x")),
        # Short items, so that 100,000 fit under the 10 MB fetch cap (as in the feed).
        "/items-100k.xml": _rss("".join(f"<item><guid>{i}</guid><title>Embassy {i}</title>"
                                        "</item>" for i in range(100_000))),
        # A 9 MB title and a javascript: link, as article values.
        "/values-9m.xml": _rss(_item(1, "Embassy news.", title="Sanctions " * 900_000,
                                     link="javascript:alert(document.cookie)")),
        # 240 KB of "<link " that never closes (in CDATA: the feed parses) for hub discovery.
        "/link-tags-240k.xml": _rss(_item(1, "<![CDATA[" + "<link " * 40_000 + "]]>")),
    }
    for path, body in routes.items():
        server.route(path, Reply(200, body, {"content-type": "application/rss+xml"}))
    return {path: f"{len(body) / 1e6:.2f} MB" for path, body in routes.items()}


def folder(root: Path) -> Path:
    """``root/inbox``: a front-matter alias bomb, a link to /etc/passwd, a 1 MB title and a
    javascript: URL beside one plain note."""
    inbox = root / "inbox"
    inbox.mkdir(parents=True)
    (inbox / "bomb.md").write_text(f"---\n{BOMB_LINES}title: *g\n---\nThe embassy closed.\n",
                                   "utf-8")
    (inbox / "passwd.txt").symlink_to("/etc/passwd")
    (inbox / "values.md").write_text(
        "---\nurl: javascript:alert(1)\n---\n" + "Embassy " * 125_000 + "\n\nText.\n",
        "utf-8")
    (inbox / "note.txt").write_text("Embassy closed\n\nThe embassy closed on Monday.\n",
                                    "utf-8")
    return inbox
