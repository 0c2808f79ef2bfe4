"""Talks between two states in the fifteen languages added last: the gazetteer names both sides
as their news writes them (Dutch Poetin, Italian Usa, Vietnamese Ukraine, Hebrew קטר, Czech and
Polish case forms, Urdu and Hindi demonyms, the envoys and recent office holders), the meeting
and call words are there (a phone call in Dutch, Czech, Hindi, Urdu, Hebrew; Turkish "will meet";
Korean 협의), two states a few words apart count where a word is several tokens (Vietnamese,
Korean, Japanese, Thai), and "for consultations" alone no longer vetoes the talks a minister
travels to consult on; the ambassador recalled for consultations still does."""

from __future__ import annotations

import pytest

from monitor.errors import RuleProblem
from monitor.rules.concepts import load_concepts
from monitor.rules.matcher import Matcher
from tests.conftest import RULES
from tests.rules.verdicts import case_ids, fires

CASES = [  # (language, title, body, whether negotiations must match)
    ("nl", "", "Poetin belde dinsdag urenlang met Trump.", True),
    ("it", "", "Tajani ha avuto incontri a Washington con i rappresentanti della Cina.", True),
    ("pl", "", "Chiny rozmawiały telefonicznie ze Stanami Zjednoczonymi.", True),
    ("cs", "", "Prezident Trump se setkal se Zelenským.", True),
    ("tr", "Erdoğan ile Putin gelecek hafta görüşecek",
     "Kremlin, iki liderin telefonda görüşeceğini duyurdu.", True),
    ("he", "", "ויטקוף נפגש עם פוטין.", True),
    ("hi", "", "प्रधानमंत्री मोदी ने फोन पर पुतिन से बात की।", True),
    ("ur", "", "شہباز شریف نے ٹیلیفون پر ایرانی صدر سے گفتگو کی۔", True),
    ("fa", "", "عراقچی در مسقط با ویتکاف دیدار کرد.", True),
    ("th", "", "อนุทินหารือกับฮุน มาเนต ทางโทรศัพท์", True),
    ("ja", "", "日米両政府は関税をめぐる閣僚級協議を来週開く。", True),
    ("ko", "", "한미 양국은 관세 문제를 논의할 실무 협의가 다음 주 워싱턴에서 "
     "열린다고 밝혔다.", True),
    # Vietnamese words are several syllables: the two states stand more than twelve tokens apart.
    ("vi", "", "Việt Nam đang nỗ lực thúc đẩy tiến trình đàm phán về các mức thuế đối ứng và "
     "hàng rào phi thuế quan với Hoa Kỳ.", True),
    # A minister travels "to consult" on the talks: not an ambassador's recall.
    ("fa", "", "عراقچی برای رایزنی درباره مذاکرات هسته‌ای با آمریکا به مسقط رفت.", True),
    ("he", "", "השר טס לקהיר להתייעצויות על המשא ומתן עם חמאס.", True),
    # The recall itself still vetoes the talk words beside it.
    ("fa", "", "ایران سفیر خود را برای رایزنی فراخواند و گفتگوها با سوئد متوقف شد.", False),
    # An ambassador summoned "för samtal" is embassy business, not talks.
    ("sv", "", "Irans utrikesdepartement kallade till sig Sveriges ambassadör för samtal om "
     "koranbränningen.", False),
]


@pytest.mark.parametrize(("lang", "title", "body", "want"), CASES, ids=case_ids(CASES))
def test_negotiations_in_the_added_languages(shipped: Matcher, lang: str, title: str,
                                             body: str, want: bool) -> None:
    assert fires(shipped, "negotiations", lang, title, body) is want


@pytest.mark.parametrize(("lang", "term", "party"), [
    ("nl", '"poetin"', "RU"), ("nl", '"VS"', "US"), ("it", '"usa"', "US"),
    ("vi", "ukraine", "UA"), ("vi", "tập cận bình", "CN"), ("ko", "푸틴*", "RU"),
    ("he", "קטר", "QA"), ("he", '"ויטקוף"', "US"), ("ur", "بھارتی", "IN"),
    ("hi", "भारतीय", "IN"), ("cs", '"zelenským"', "UA"), ("pl", "stan* zjednoczon*", "US"),
    ("ja", "バイデン", "US"), ("th", "อนุทิน", "TH"),
    ("he", "האמריקני", "US"), ("he", "הסורי", "SY"), ("fa", "رژیم صهیونیستی", "IL"),
    ("it", '"statunitensi"', "US"), ("nl", '"qatarese"', "QA"),
])
def test_the_gazetteer_names_both_sides(lang: str, term: str, party: str) -> None:
    problems: list[RuleProblem] = []
    concepts = load_concepts(RULES / "concepts", problems)
    assert problems == []
    parties = {t.text: t.party for t in concepts["actors"].for_language(lang)}
    assert parties[term] == party
