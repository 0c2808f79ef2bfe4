"""The generated ``actors`` concept: the committed file is what the generator gives, and the
names it leaves out or narrows (common words, other places, people) stay out of alerts."""

from __future__ import annotations

import os
import shutil

import pytest

from monitor.models import Article
from monitor.rules.gazetteer import LANGUAGES, generate, load_inputs, name_terms, target
from monitor.rules.matcher import Matcher
from tests.conftest import RULES


def test_the_committed_actors_file_is_what_the_generator_gives() -> None:
    if os.environ.get("CI") != "true":
        pytest.importorskip("babel", reason="the gazetteer needs Babel: pip install -e "
                            "'.[test]' (under CI=true it is required)")
    committed = target(RULES).read_text(encoding="utf-8")
    assert committed == generate(RULES), (
        "rules/concepts/actors.yaml is not what rules/gazetteer/ gives: run "
        "`monitor rules gazetteer` and commit the result (a new Babel brings new CLDR names)")


@pytest.fixture(scope="module")
def actors_only(tmp_path_factory: pytest.TempPathFactory) -> Matcher:
    root = tmp_path_factory.mktemp("gazetteer") / "rules"
    shutil.copytree(RULES / "concepts", root / "concepts")
    (root / "actors.yaml").write_text("id: actors-only\nname: Any actor\nquery: '@actors'\n",
                                      encoding="utf-8")
    return Matcher.load(root)


def _hits(matcher: Matcher, text: str, language: str) -> list[str]:
    article = Article(url="https://example.org/a", title="", body=text, language=language)
    return [e.term for m in matcher.match(article) for e in m.evidence]


@pytest.mark.parametrize(("language", "text"), [
    ("en", "Chad and Jordan drove to Georgia to buy a guinea pig and some chile."),
    ("en", "The secretary of state said the state of emergency ends today."),
    ("fr", "Maurice a lancé une grenade d'exercice dans la ferme."),
    ("es", "La granada está en la cocina de Georgia."),
    ("it", "I mali della società e i modi di curarli."),
    ("pl", "Kuba i Dominika zatruli się czadem, mali chłopcy też."),
    ("cs", "Malí chlapci psali perem v Peru."),
    ("ro", "A mai rămas puțin timp."),
    ("tr", "Mali politika ve almanız gereken kararlar."),
    ("ru", "Того же мнения малый бизнес и мода."),
    ("uk", "Того ж дня малі діти прибирали комори."),
    ("ar", "تحدث المدير عن الوضع المالي والرياضة في الغابات."),
    ("fa", "گزارش مالی و پرونده سود."),
    ("hi", "माली ने बगीचे में गिनती की।"),
    ("he", "הם הודו שהירדן זורם."),
    ("he", "הוא גר בבנין ליד חבר כנסת שמאלי."),
    ("zh", "马里兰州的沿海地区很美。"),
    ("ja", "ウインドウを開いてアイランドを見た。"),
    ("ko", "수단과 방법을 가리지 않는 오만한 태도"),
    ("ko", "참가자들이 태평양 섬의 인도주의 지원과 그리스도교를 논의했다"),
    ("vi", "Áo của anh ấy và biện pháp pháp luật."),
    ("th", "สีชาดบนผ้า"),
])
def test_common_words_and_other_places_are_not_actors(actors_only: Matcher, language: str,
                                                      text: str) -> None:
    assert _hits(actors_only, text, language) == []


@pytest.mark.parametrize(("language", "text", "term"), [
    ("en", "Chadian troops crossed into Sudan.", "chadian*"),
    ("en", "Türkiye closed its airspace.", '"türkiye"'),
    ("de", "Bhutans Regierung", '"bhutans"'),
    ("pl", "Sankcje wobec Rosji", None),
    ("ro", "sancțiunile Rusiei", None),
    ("ro", "Guvernul Irakului", '"irakului"'),
    ("ru", "Санкции против Ирана", None),
    ("ar", "عقوبات على وروسيا", '"وروسيا"'),
    ("he", "הסנקציות ברוסיה", '"ברוסיה"'),
    ("he", "הסנקציות שבישראל", '"שבישראל"'),
    ("he", "השגריר בארצות הברית", "בארצות הברית"),
    ('he', 'הסנקציות של ארה"ב', "ארה ב"),
    ("he", 'השגרירות בארה"ב', "בארה ב"),
    ("he", "הפגישה בקרמלין", "בקרמלין"),
    ("ko", "러시아는 제재를", "러시아*"),
    ("ja", "ロシア政府は", "ロシア"),
    ("zh", "俄罗斯外交部", "俄罗斯"),
    ("vi", "Nga trừng phạt", '"nga"'),
    ("hi", "रूस पर प्रतिबंध", None),
    ("ru", "переговоры с Путиным", "путин"),
    ("ja", "プーチン大統領", "プーチン"),
    ("ar", "قال بوتين", '"بوتين"'),
    ("tr", "İran ve İtalya", '"iran"'),   # dotted capital İ, folded as the article is
    ("tr", "Irak hükümeti", '"ırak"'),    # dotless I
    ("en", "Biden, Xi to discuss Taiwan", '"xi"'),
])
def test_states_and_leaders_are_found_in_their_forms(actors_only: Matcher, language: str,
                                                     text: str, term: str | None) -> None:
    hits = _hits(actors_only, text, language)
    assert hits and (term is None or term in hits), hits


def test_the_shipped_rules_do_not_read_secretary_of_state_as_a_state() -> None:
    matcher = Matcher.load(RULES)
    quiet = Article(url="https://example.org/a", title="", language="en",
                    body="The secretary of state discussed sanctions with the committee.")
    assert [m.rule_id for m in matcher.match(quiet)] == []
    loud = Article(url="https://example.org/b", title="", language="en",
                   body="The United States announced sanctions on the bank.")
    assert [m.rule_id for m in matcher.match(loud)] == ["sanctions"]


def test_short_and_common_names_follow_the_reviewed_lists() -> None:
    inputs = load_inputs(RULES / "gazetteer")
    assert name_terms("Chad", "en", inputs) == []
    assert name_terms("タイ", "ja", inputs) == []          # inside タイム, タイプ
    assert name_terms("中国", "zh", inputs) == ["中国"]      # reviewed short name
    assert name_terms("Dominica", "en", inputs) == ['"dominica"']  # not "domination"
    assert name_terms("Rusia", "ro", inputs) == ['"rusia"', '"rusiei"']
    assert name_terms("인도", "ko", inputs)[:2] == ['"인도의"', '"인도는"']  # not 인도주의
    assert name_terms("Россия", "ru", inputs) == ["россия"]
    assert set(inputs.hand) <= set(LANGUAGES) and len(LANGUAGES) == 25
