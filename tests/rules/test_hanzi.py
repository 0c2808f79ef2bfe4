"""Traditional Chinese folds to Simplified: one term list serves Taiwan, Hong Kong and the
mainland, and evidence still points into the original text."""

from __future__ import annotations

from monitor.models import Article
from monitor.rules.analysis import fold
from monitor.rules.files import make_rule
from monitor.rules.hanzi import simplified_table, simplify
from monitor.rules.matcher import Matcher


def test_traditional_characters_fold_one_to_one() -> None:
    assert simplify("中美貿易談判在上海舉行") == "中美贸易谈判在上海举行"
    assert fold("會談", "zh") == "会谈"
    assert len(simplified_table()) > 2000
    assert all(len(v) == 1 for v in simplified_table().values())


def test_other_languages_keep_their_characters() -> None:
    assert fold("會談", "ja") == "會談"


def test_a_simplified_term_matches_traditional_text_at_the_right_offsets() -> None:
    title = "中美於上海的貿易談判結束"
    [match] = Matcher((make_rule("t", "谈判"),), "test").match(Article(title, "", language="zh"))
    [evidence] = match.evidence
    assert (evidence.start, evidence.end, evidence.text) == (8, 10, "談判")
    assert "«談判»" in evidence.snippet
