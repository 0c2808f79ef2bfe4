"""Located YAML reading for rule and concept files: every value keeps its line and column.

Problems found later (a bad type, an unknown concept inside a query string) are reported at
``file:line:column`` of the YAML source, down to the character inside a query scalar.

Aliases (``*name``) are refused in every YAML file monitor reads (rules, concepts, sources
files, front matter; ``safe_load`` here is the one loader): nine nested aliases in 300 bytes
make a billion-node tree that any walk over it, or its repr in an error message, expands.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from monitor.errors import RuleProblem

# libyaml's parser when PyYAML was built with it: composing 10,000 rules is several times faster.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class NoAliasLoader(yaml.SafeLoader):
    """The safe loader, refusing aliases where they occur (a located ComposerError)."""

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, f"YAML aliases are not allowed (*{str(event.anchor)[:40]}): "
                "write the value out", event.start_mark)
        return super().compose_node(parent, index)


def safe_load(text: str) -> Any:
    """``yaml.safe_load`` without aliases; raises yaml.YAMLError (located when marked)."""
    return yaml.load(text, Loader=NoAliasLoader)


def yaml_location(exc: yaml.YAMLError) -> tuple[int, int, str]:
    """(line, column, short reason) of a YAML error, for ``file:line:column: reason``."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return line, col, str(exc.problem or exc.context or "invalid YAML")[:200]
    return 1, 1, str(exc)[:200]


def _shared(root: yaml.Node) -> bool:
    """Whether a node is reached twice (an alias), in one walk that never expands aliases."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            return True
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, val in node.value:
                stack.extend((key, val))
    return False


@dataclass(frozen=True)
class Source:
    """The text of one YAML file and how to turn offsets into line/column."""

    name: str
    text: str
    line_starts: tuple[int, ...]

    @classmethod
    def of(cls, name: str, text: str) -> Source:
        starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
        return cls(name, text, tuple(starts))

    def position(self, index: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.line_starts, index) - 1
        return line + 1, index - self.line_starts[line] + 1

    def at(self, node: yaml.Node, message: str) -> RuleProblem:
        mark = node.start_mark
        return RuleProblem(self.name, mark.line + 1, mark.column + 1, message)

    def in_scalar(self, node: yaml.Node, offset: int, message: str) -> RuleProblem:
        """A problem at character ``offset`` of the string value of scalar ``node``."""
        line, column = self.position(self._scalar_index(node, offset))
        return RuleProblem(self.name, line, column, message)

    def _scalar_index(self, node: yaml.Node, offset: int) -> int:
        value = str(node.value)
        start, end = node.start_mark.index, node.end_mark.index
        style = getattr(node, "style", None)
        if style in ('"', "'"):
            start += 1
        elif style in ("|", ">"):
            newline = self.text.find("\n", start, end)
            start = newline + 1 if newline >= 0 else start
        # Walk the value and the source side by side: the source may fold lines, indent,
        # or escape characters, but every non-blank character of the value appears in order.
        j = start
        for i in range(min(offset + 1, len(value))):
            c = value[i]
            if c.isspace():
                continue
            found = self.text.find(c, j, end)
            if found < 0:
                return node.start_mark.index
            if i == offset:
                return found
            j = found + 1
        return min(j, max(start, end - 1))


def compose(path: Path, problems: list[RuleProblem]) -> tuple[Source, yaml.Node | None]:
    """Read and compose ``path``; on failure record the located problem and return None."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        problems.append(RuleProblem(name, 1, 1, f"not UTF-8 text: {exc.reason}"))
        return Source.of(name, ""), None
    source = Source.of(name, text)
    try:
        root = yaml.compose(text, Loader=_LOADER)
        if root is not None and _shared(root):
            # Rare: compose again, slowly, to say where the first alias is.
            yaml.compose(text, Loader=NoAliasLoader)
    except yaml.YAMLError as exc:
        line, col, reason = yaml_location(exc)
        problems.append(RuleProblem(name, line, col, f"invalid YAML: {reason}"))
        return source, None
    return source, root


def value(node: yaml.Node) -> Any:
    """The Python value of ``node`` (safe types only)."""
    return yaml.SafeLoader("").construct_document(node)


def entries(source: Source, node: yaml.MappingNode,
            problems: list[RuleProblem]) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    """Key text → (key node, value node) of a mapping node; duplicate keys are problems."""
    out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for key, val in node.value:
        name = str(key.value)
        if name in out:
            problems.append(source.at(key, f"duplicate key {name!r}"))
        out[name] = (key, val)
    return out
