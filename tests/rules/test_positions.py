"""Token positions of an article's named words, by word and by key (stem or folded form)."""

from __future__ import annotations

from monitor.rules.positions import Occurrences, by_key


def test_words_sharing_a_key_have_their_positions_merged_in_order() -> None:
    tokens = ["Talks", "on", "talks", "embassy", "talk", "x", "Talks", "embassies"]
    named = ["talk", "Talks", "embassy", "talks", "embassies"]
    occurrences = Occurrences(tokens, named)
    stems = by_key(named, ["talk", "talk", "embassi", "talk", "embassi"], occurrences)
    assert stems == {"talk": [0, 2, 4, 6], "embassi": [3, 7]}
    folded = by_key(named, ["talk", "talks", "embassy", "talks", "embassies"], occurrences)
    assert folded == {"talk": [4], "talks": [0, 2, 6], "embassy": [3], "embassies": [7]}
    # The words' own positions are left as they were.
    assert occurrences.of("Talks") == [0, 6] and occurrences.of("talks") == [2]


def test_a_word_no_rule_names_is_found_all_the_same() -> None:
    occurrences = Occurrences(["a", "b", "a"], ["b"])
    assert by_key(["b"], ["b"], occurrences) == {"b": [1]}
    assert occurrences.of("a") == [0, 2]
