"""The negotiations rule on the false-alarm classes of its fourth pass: a talk cue beside one
state (a government's tech summit, domestic parties' talks, a president meeting his
predecessor), a company and one state in a talks headline, a sanctions headline over talks
named in passing, an ambassador recalled for consultations, a business or technology summit,
a podcast; and the talks beside them that must still match (a leaders' meeting headline, talks
on lifting sanctions, a peace dialogue, a summit announced by a foreign ministry, a summit on
trade and technology)."""

from __future__ import annotations

import pytest

from monitor.rules.matcher import Matcher
from tests.rules.verdicts import case_ids, fires

CASES = [  # (language, title, body, whether negotiations must match)
    ("de", "Digital-Gipfel der Bundesregierung in Frankfurt",
     "Die Bundesregierung lädt zum Digital-Gipfel nach Frankfurt: Deutschland will bei der "
     "künstlichen Intelligenz aufholen.", False),
    ("en", "Short of majority, Australian parties begin talks",
     "Negotiations began on Sunday between the Liberal coalition and the Labor Party after "
     "Australia's election left neither with a majority.", False),
    ("id", "",
     "Presiden Prabowo bertemu dengan mantan Presiden Joko Widodo di kediaman Kepala Negara di "
     "Jakarta selama dua jam.", False),
    ("en", "US sanctions network shipping Iranian oil",
     "The Treasury imposed sanctions on 20 companies shipping Iranian oil to China.\n"
     "The move comes days after US and Iranian negotiators held a fourth round of talks in "
     "Oman.", False),
    ("pt", "",
     "O embaixador do Brasil na Argentina foi chamado a Brasília para consultas.\nDias antes, "
     "o presidente argentino faltou à cúpula de chefes de Estado do Mercosul no Paraguai.",
     False),
    ("en", "EDF negotiates with the French state",
     "EDF is negotiating with the French state over the price of nuclear electricity.", False),
    ("zh", "华为与印尼政府谈判", "华为正与印尼政府谈判在雅加达建设数据中心。", False),
    ("en", "Biden, Xi to discuss Taiwan in meeting next week",
     "US President Joe Biden and Chinese President Xi Jinping will meet in Bali ahead of the "
     "G20 summit.", True),
    ("tr", "",
     "Müzakerelerde İran, nükleer programına sınırlama karşılığında yaptırımların "
     "kaldırılmasını istiyor.", True),
    ("es", "",
     "El Gobierno y la guerrilla retomaron esta semana el diálogo de paz con una nueva ronda de "
     "conversaciones.", True),
    ("es", "",
     "El Ministerio de Relaciones Exteriores de China confirmó la cumbre de Xi Jinping y Donald "
     "Trump en Busan.", True),
    ("fr", "Sommet Choose France : Macron reçoit les patrons",
     "Le président Emmanuel Macron a reçu à Versailles les dirigeants de grandes entreprises "
     "américaines et chinoises pour le sommet Choose France.", False),
    ("ar", "",
     "استضافت الرياض القمة العالمية للذكاء الاصطناعي برعاية ولي العهد السعودي الأمير محمد بن "
     "سلمان، بمشاركة شركات من الولايات المتحدة والصين.", False),
    ("en", "Podcast: how Trump talks to Putin",
     "In this episode of our podcast, two correspondents talk about how Trump talks to Putin "
     "and Xi.", False),
    ("en", "EU and China hold summit in Beijing",
     "EU and Chinese leaders met in Beijing for a summit on trade, technology and climate.",
     True),
]


@pytest.mark.parametrize(("lang", "title", "body", "want"), CASES, ids=case_ids(CASES))
def test_negotiations_on_its_fourth_pass_classes(shipped: Matcher, lang: str, title: str,
                                                 body: str, want: bool) -> None:
    assert fires(shipped, "negotiations", lang, title, body) is want
