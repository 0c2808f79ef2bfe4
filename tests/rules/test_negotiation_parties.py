"""The negotiations rule counts parties, not names: the gazetteer gives each state name, capital,
government and office holder its state's code, so a state beside its capital or leader is one
party and two leaders of different states are two. Meetings and phone calls between two states'
officials match without a headline or a diplomatic frame; one state with its own capital,
leader or government, a podcast and an envoy's recall do not; a headline about sanctions and
their easing or a deal is not taken for a sanctions story."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.errors import RuleProblem
from monitor.rules.concepts import ConceptDef, ConceptTerm, load_concepts
from monitor.rules.document import Leaf
from monitor.rules.gazetteer import load_inputs
from monitor.rules.matcher import Matcher
from monitor.rules.proximity import near_other
from tests.conftest import RULES
from tests.rules.verdicts import case_ids, fires

CASES = [  # (language, title, body, whether negotiations must match)
    ("ru", "", "Лавров и Рубио провели телефонный разговор.", True),
    ("ru", "", "Путин провел телефонный разговор с Эрдоганом.", True),
    ("ru", "", "Глава МИД России Сергей Лавров обсудил по телефону с госсекретарем США "
     "урегулирование ситуации в Сирии.", True),
    ("uk", "", "Зеленський провів телефонну розмову з Макроном.", True),
    ("pt", "", "O presidente Lula conversou por telefone com a presidente da União Europeia "
     "sobre o acordo.", True),
    ("es", "", "Un intercambio telefónico entre el presidente estadounidense Donald Trump y el "
     "presidente venezolano sorprendió al ámbito diplomático.", True),
    ("de", "", "US-Präsident Donald Trump und Russlands Präsident Wladimir Putin trafen sich in "
     "Alaska zu einem persönlichen Gespräch.", True),
    ("es", "EEUU suaviza sanciones a Venezuela tras el acuerdo",
     "Estados Unidos y Venezuela negociaron durante semanas en Catar un acuerdo sobre petróleo "
     "y presos.", True),
    # Arabic للتشاور is "to consult" on anything; only an ambassador's recall vetoes talk words.
    ("ar", "", "وصل وزير الخارجية الإيراني عباس عراقجي إلى مسقط للتشاور مع نظيره العماني حول "
     "المفاوضات النووية مع الولايات المتحدة.", True),
    ("ar", "", "استدعت الجزائر سفيرها للتشاور احتجاجا على تصريحات الرئيس الفرنسي، وتأجلت "
     "المحادثات بين البلدين.", False),
    # One party: a state beside its capital, its leader and its government.
    ("ru", "", "Путин провел в Москве встречу с членами правительства России.", False),
    ("de", "", "Bundeskanzler Merz traf sich in Berlin mit der Bundesregierung zu einem "
     "Gespräch über Deutschland.", False),
    ("en", "Podcast: how Trump talks to Putin",
     "In this episode of our podcast, two correspondents talk about how Trump talks to Putin "
     "and Xi.", False),
]


@pytest.mark.parametrize(("lang", "title", "body", "want"), CASES, ids=case_ids(CASES))
def test_negotiations_counts_parties(shipped: Matcher, lang: str, title: str, body: str,
                                     want: bool) -> None:
    assert fires(shipped, "negotiations", lang, title, body) is want


def test_names_of_one_party_are_not_two() -> None:
    def leaf(label: str, party: str | None) -> Leaf:
        return Leaf(0, label, (), label, "actors", 1.0, None, True, party)

    moscow, russia, putin = leaf("moscow", "RU"), leaf("russia", "RU"), leaf("putin", "RU")
    trump, hamas = leaf("trump", "US"), leaf("hamas", None)
    one = [(0, 1, moscow), (2, 3, russia), (4, 5, putin)]
    assert near_other(one, 12, 0) == []
    assert near_other([*one, (6, 7, trump)], 12, 0) != []
    # A name without a code (a bloc, an armed group) is a party of its own.
    assert near_other([(0, 1, russia), (2, 3, hamas)], 12, 0) != []


def test_the_generated_gazetteer_codes_capitals_leaders_and_states() -> None:
    problems: list[RuleProblem] = []
    concepts = load_concepts(RULES / "concepts", problems)
    assert problems == []
    actors: ConceptDef = concepts["actors"]
    parties = {t.text: t.party for t in actors.for_language("en")}
    assert parties["moscow"] == parties["russia*"] == parties['"putin"'] == "RU"
    assert parties["washington"] == parties['"trump"'] == "US"
    assert parties['"hamas"'] is None
    ru = {t.text: t.party for t in actors.for_language("ru")}
    assert ru['"эрдоганом"'] == "TR"
    assert ConceptTerm("x", 1.0, "RU").party == "RU"


def test_a_party_is_a_code(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text(
        "id: c\nterms:\n  en: [{term: moscow, party: RU}, {term: paris, party: 'F R'}]\n",
        encoding="utf-8")
    problems: list[RuleProblem] = []
    concepts = load_concepts(tmp_path, problems)
    assert [p.message for p in problems] == ["party must be a code: letters, digits, '-'"]
    assert concepts == {} or concepts["c"].terms["en"][0].party == "RU"


def test_every_party_name_is_on_a_hand_list() -> None:
    inputs = load_inputs(RULES / "gazetteer")
    hand = {t.strip('"').casefold() for terms in inputs.hand.values() for t in terms}
    assert sorted(set(inputs.parties) - hand) == []  # a typo would name nothing
