"""Concepts: named, reusable, multilingual term lists (``rules/concepts/*.yaml``) that rules
reference as ``@name``.

A concept file looks like::

    id: sanctions
    description: Economic and political sanctions.
    terms:
      en: [sanction*, embargo*, "asset freeze", {term: "price cap", weight: 2}]
      ru: [санкци*, эмбарго]
      any: [OFAC]          # every language

An entry is a word (matched by its stem), a word ending in ``*`` (prefix of the unstemmed
word), a quoted word ``'"word"'`` (that exact word, unstemmed), or several words (a phrase:
these exact words in order, each may end in ``*``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import yaml

from monitor.errors import RuleProblem
from monitor.rules.located import Source, compose, entries

ANY_LANGUAGE = "any"
# When a concept has no list for a detected language, the list of a close language is used:
# language detectors often call Indonesian text Malay, short Chinese text Wu, and short Hindi
# text Nepali (same script, much shared vocabulary).
LANGUAGE_FALLBACK = {"ms": "id", "be": "ru", "wuu": "zh", "yue": "zh", "ne": "hi"}
_CONCEPT_ID = re.compile(r"[a-z0-9][a-z0-9_-]*\Z")
_LANGUAGE = re.compile(r"[a-z]{2,3}\Z")
_ENTRY_WORD = re.compile(r"[^\s*\"()@]+\*?\Z")
_PARTY = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*\Z")
_KEYS = {"id", "description", "terms"}
# Every rule (re)load reads every concept file, and a long list takes tens of milliseconds to
# compose and check: a file whose bytes are unchanged gives the same concept and problems, so
# the last outcome of each path is kept with the content hash it came from.
_PARSED: dict[str, tuple[bytes, ConceptDef | None, tuple[RuleProblem, ...]]] = {}
_PARSED_LIMIT = 1024  # paths; emptied past it (a test suite makes many directories)


@dataclass(frozen=True)
class ConceptTerm:
    """One entry of a concept list."""

    text: str
    weight: float = 1.0
    # The party a name stands for (a state's code: Moscow, Putin and Russia are all RU), so
    # that ``@actors NEAR/n @actors`` asks for two parties, not two names of one.
    party: str | None = None


@dataclass(frozen=True)
class ConceptDef:
    """A concept as loaded from its file."""

    id: str
    file: str
    line: int
    description: str = ""
    terms: dict[str, tuple[ConceptTerm, ...]] = field(default_factory=dict)

    def for_language(self, language: str | None) -> tuple[ConceptTerm, ...]:
        """The entries that apply to articles in ``language`` (plus the ``any`` list)."""
        own: tuple[ConceptTerm, ...] = ()
        if language is not None:
            own = self.terms.get(language, ())
            if not own and language in LANGUAGE_FALLBACK:
                own = self.terms.get(LANGUAGE_FALLBACK[language], ())
        return own + self.terms.get(ANY_LANGUAGE, ())

    def languages(self) -> tuple[str, ...]:
        return tuple(k for k in self.terms if k != ANY_LANGUAGE)


def check_entry(text: str) -> str | None:
    """Why ``text`` is not a valid concept entry, or None when it is."""
    if text.startswith('"') and text.endswith('"') and len(text) > 2:
        text = text[1:-1]  # a quoted single word: the exact word, not its stem
    parts = text.split()
    if not parts:
        return "empty term"
    for part in parts:
        if not _ENTRY_WORD.match(part):
            return (f"bad term {text!r}: a term is words, the last letters of a word may be "
                    "'*'; no quotes, parentheses or '@'")
        if part.endswith("*") and len(part) < 3:
            return f"bad term {text!r}: a wildcard needs at least 2 letters before '*'"
    return None


def _entry(source: Source, node: yaml.Node,
           problems: list[RuleProblem]) -> ConceptTerm | None:
    if isinstance(node, yaml.ScalarNode) and node.tag.endswith((":str", ":int")):
        text, weight, party = str(node.value), 1.0, None
        where = node
    elif isinstance(node, yaml.MappingNode):
        items = entries(source, node, problems)
        for key, (knode, _v) in items.items():
            if key not in ("term", "weight", "party"):
                problems.append(source.at(knode, f"unknown field {key!r} in a concept term"))
        if "term" not in items or not isinstance(items["term"][1], yaml.ScalarNode):
            problems.append(source.at(node, "a weighted entry needs 'term: <text>'"))
            return None
        where = items["term"][1]
        text = str(where.value)
        weight, party = 1.0, None
        if "weight" in items:
            wnode = items["weight"][1]
            try:
                weight = float(wnode.value)
            except (TypeError, ValueError):
                weight = -1.0
            if not isinstance(wnode, yaml.ScalarNode) or not weight > 0:
                problems.append(source.at(wnode, "weight must be a number greater than 0"))
                return None
        if "party" in items:
            pnode = items["party"][1]
            if not isinstance(pnode, yaml.ScalarNode) or not _PARTY.match(str(pnode.value)):
                problems.append(source.at(pnode, "party must be a code: letters, digits, '-'"))
                return None
            party = str(pnode.value)
    else:
        problems.append(source.at(node, "a concept term must be a string or "
                                        "{term: ..., weight: ...}"))
        return None
    why = check_entry(text)
    if why is not None:
        problems.append(source.at(where, why))
        return None
    return ConceptTerm(text, weight, party)


def _load_file(path: Path, problems: list[RuleProblem]) -> ConceptDef | None:
    source, root = compose(path, problems)
    if root is None:
        return None
    if not isinstance(root, yaml.MappingNode):
        problems.append(source.at(root, "a concept file must be a mapping with id and terms"))
        return None
    items = entries(source, root, problems)
    for key, (knode, _v) in items.items():
        if key not in _KEYS:
            problems.append(source.at(knode, f"unknown field {key!r}"))
    idnode = items.get("id", (root, root))[1]
    cid = str(idnode.value) if isinstance(idnode, yaml.ScalarNode) else ""
    if "id" not in items:
        problems.append(source.at(root, "missing required field 'id'"))
    elif not _CONCEPT_ID.match(cid):
        problems.append(source.at(idnode, f"bad concept id {cid!r}: use lower-case letters, "
                                          "digits, '-' and '_'"))
    description = ""
    if "description" in items:
        dnode = items["description"][1]
        if isinstance(dnode, yaml.ScalarNode):
            description = str(dnode.value)
        else:
            problems.append(source.at(dnode, "description must be a string"))
    terms: dict[str, tuple[ConceptTerm, ...]] = {}
    tnode = items.get("terms", (root, None))[1]
    if tnode is None:
        problems.append(source.at(root, "missing required field 'terms'"))
    elif not isinstance(tnode, yaml.MappingNode):
        problems.append(source.at(tnode, "terms must map language codes to lists of terms"))
    else:
        for lang, (lnode, lst) in entries(source, tnode, problems).items():
            if lang != ANY_LANGUAGE and not _LANGUAGE.match(lang):
                problems.append(source.at(lnode, f"bad language code {lang!r}: use ISO 639-1 "
                                                 f"(en, id, ru, ...) or {ANY_LANGUAGE!r}"))
                continue
            if not isinstance(lst, yaml.SequenceNode):
                problems.append(source.at(lst, f"terms of {lang!r} must be a list"))
                continue
            got = [_entry(source, n, problems) for n in lst.value]
            terms[lang] = tuple(t for t in got if t is not None)
    if not cid:
        return None
    return ConceptDef(cid, str(path), root.start_mark.line + 1, description, terms)


# What parsing one concept file gives: the concept (None when it has no usable id) and the
# file's problems.
Outcome = tuple[ConceptDef | None, tuple[RuleProblem, ...]]


class ConceptStore(Protocol):
    """Parsed concept files kept between processes (monitor.rules.rulecache)."""

    def get_concept(self, name: str, content: bytes, file: str) -> Outcome | None: ...

    def put_concept(self, name: str, content: bytes, outcome: Outcome) -> None: ...

    def keep_concept(self, name: str, content: bytes, outcome: Outcome) -> None:
        """A file parsed earlier in this process: its entry stays (or is written)."""


def load_concepts(directory: Path, problems: list[RuleProblem],
                  contents: Mapping[Path, bytes] | None = None,
                  store: ConceptStore | None = None) -> dict[str, ConceptDef]:
    """Concepts of ``directory`` by id; problems (also duplicate ids) go to ``problems``.

    ``contents``: the files' bytes when the caller has read them already; ``store``: where
    files parsed by an earlier process are kept (a command's start parses none of an
    unchanged rule set's concept lists, half a second for the shipped ones)."""
    out: dict[str, ConceptDef] = {}
    if not directory.is_dir():
        return out
    for path in concept_files(directory):
        concept = _parsed(path, problems, (contents or {}).get(path), store)
        if concept is None:
            continue
        if concept.id in out:
            problems.append(RuleProblem(concept.file, concept.line, 1,
                                        f"duplicate concept id {concept.id!r} "
                                        f"(first in {out[concept.id].file})"))
            continue
        out[concept.id] = concept
    return out


def _parsed(path: Path, problems: list[RuleProblem], data: bytes | None,
            store: ConceptStore | None) -> ConceptDef | None:
    try:
        data = path.read_bytes() if data is None else data
    except OSError:
        return _load_file(path, problems)  # says why, located at the file
    digest = hashlib.sha256(data).digest()
    got = _PARSED.get(str(path))
    if got is None or got[0] != digest:
        outcome = None if store is None else store.get_concept(path.name, data, str(path))
        if outcome is None:
            found: list[RuleProblem] = []
            outcome = (_load_file(path, found), tuple(found))
            if store is not None:
                store.put_concept(path.name, data, outcome)
        if len(_PARSED) >= _PARSED_LIMIT:
            _PARSED.clear()
        got = _PARSED[str(path)] = (digest, *outcome)
    elif store is not None:
        store.keep_concept(path.name, data, (got[1], got[2]))
    problems.extend(got[2])
    return got[1]


def concept_files(directory: Path) -> list[Path]:
    return sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
