"""Rules written in a test, compiled with a small concept set, and the separators that
generated texts put between words."""

from __future__ import annotations

from hypothesis import strategies as st

from monitor.rules.concepts import ConceptDef, ConceptTerm
from monitor.rules.files import Rule
from monitor.rules.matcher import Matcher

CONCEPTS = {
    "sanctions": ConceptDef("sanctions", "c.yaml", 1, terms={
        "en": (ConceptTerm("sanction"), ConceptTerm("asset freeze*", 2.0)),
        "ru": (ConceptTerm("санкци*"),),
        "any": (ConceptTerm("OFAC", 3.0),),
    }),
}
SEPARATORS = st.sampled_from([" ", "  ", ", ", ".\n", "\n\n", "-", "'", "«", "»", ""])


def matcher_of(*rules: Rule) -> Matcher:
    """A matcher of these rules, with ``CONCEPTS``."""
    return Matcher(tuple(rules), "test", CONCEPTS)
