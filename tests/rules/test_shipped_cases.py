"""The shipped rules on the error classes found on real news: exclusions that matched inside
other words, generic words beside one state word, and forms and terms the lists lacked."""

from __future__ import annotations

import pytest

from monitor.models import Article
from monitor.rules.matcher import Matcher
from tests.conftest import RULES

CASES = [  # (language, title, body, rules that must match, rules that must not)
    ("pt", "EUA impõem sanções a bancos ligados ao Irã",
     "O Tesouro dos EUA anunciou sanções contra bancos ligados ao Irã.", {"sanctions"}, set()),
    ("ru", "Переговоры России и Украины в Стамбуле",
     "Делегации России и Украины встретились в рабочем офисе в Стамбуле для мирных переговоров.",
     {"negotiations"}, set()),
    ("zh", "中美经贸谈判在日内瓦举行",
     "中美双方代表团的谈判持续约2小时，双方就关税问题交换了意见。", {"negotiations"}, set()),
    ("id", "Serangan Israel ke Gaza, Hamas tolak perundingan gencatan senjata",
     "Hamas menolak perundingan gencatan senjata setelah serangan Israel.",
     {"negotiations"}, set()),
    ("ar", "استدعاء القائم بالأعمال الأمريكي",
     "استدعت وزارة الخارجية القائم بالأعمال الأمريكي لإبلاغه احتجاجا رسميا.",
     {"embassies"}, set()),
    ("ar", "مصر تدعو لوقف إطلاق النار في غزة",
     "دعت مصر إلى التوصل لاتفاق لوقف إطلاق النار في غزة بين إسرائيل وحماس.",
     {"negotiations"}, set()),
    ("fr", "L'ambassadrice de France convoquée à Alger",
     "Le ministère algérien des Affaires étrangères a convoqué l'ambassadrice de France.",
     {"embassies"}, set()),
    ("es", "Rusia declara persona non grata a la encargada de negocios de Estonia",
     "Moscú declaró persona non grata a la encargada de negocios estonia.", {"embassies"}, set()),
    ("en", "Treasury blacklists Iranian drone suppliers",
     "The U.S. Treasury on Tuesday blacklisted five companies in China and Iran.", {"sanctions"},
     set()),
    ("en", "US adds Huawei to trade blacklist",
     "The Commerce Department added Huawei to its Entity List.", {"sanctions"}, set()),
    ("zh", "美中元首擬對話 兩國外長先會晤",
     "中美外長上次在峰會場邊舉行一小時會談。", {"negotiations"}, set()),
    ("en", "Tech summit opens in Jakarta",
     "Indonesia's communications minister opened the summit on artificial intelligence.", set(),
     {"negotiations"}),
    ("en", "Football federation in talks with new coach",
     "The Brazilian football federation is in talks with a new coach, its president said.", set(),
     {"negotiations"}),
    ("fr", "EDF négocie avec l'État le prix de l'électricité nucléaire",
     "EDF négocie avec l'État un nouveau mécanisme de prix, a indiqué le ministre.", set(),
     {"negotiations"}),
    ("fr", "La médiatisation du procès inquiète le gouvernement",
     "Le gouvernement s'inquiète de la médiatisation du procès, selon le ministre.", set(),
     {"negotiations"}),
    ("en", "Secretary of State visits troops",
     "The secretary of state said talks were a priority for the department's budget.", set(),
     {"negotiations"}),
    ("zh", "新一轮降雨来袭",
     "气象部门表示，新一轮降雨将影响中国南方多个省份。", set(), {"negotiations"}),
    ("zh", "立陶宛外交部召回駐華大使進行磋商",
     "立陶宛外交部宣佈召回駐華大使進行磋商。", {"embassies"}, {"negotiations"}),
    ("de", "Russland da treffen, wo es weh tut",
     "Die EU will Russland mit neuen Sanktionen treffen.", {"sanctions"}, {"negotiations"}),
    ("es", "Sanción a la empresa por contaminación",
     "El Ministerio de Medio Ambiente impuso una sanción a la empresa por vertidos.", set(),
     {"sanctions"}),
    ("en", "Rs 1,400 crore sanctioned for Polavaram",
     "The Union Government sanctioned Rs 1,400 crore to Andhra Pradesh.", set(), {"sanctions"}),
    ("ru", "Посол России в США заявил о росте напряженности",
     "Посол России в США заявил, что отношения между странами на низшей точке.", set(),
     {"embassies"}),
    ("en", "Britain reopens embassy in Iran",
     "Britain reopened its embassy in Tehran; the ambassador's residence was ransacked in 2011.",
     {"embassies"}, set()),
]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher.load(RULES)


@pytest.mark.parametrize(("lang", "title", "body", "want", "unwanted"), CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_shipped_rules_on_known_error_classes(matcher: Matcher, lang: str, title: str, body: str,
                                              want: set[str], unwanted: set[str]) -> None:
    got = {m.rule_id for m in matcher.match(Article(title, body, language=lang))}
    assert want <= got
    assert not unwanted & got
