"""The generated news of the feed benchmarks: Zipf-like draws of real word forms, and real topic
sentences the shipped rules match (checked by tests/test_bench_ingest.py)."""

from __future__ import annotations

import functools
import itertools
import random


@functools.cache
def vocabulary(language: str, size: int = 4000) -> list[str]:
    """The vocabulary of a feed in ``language`` (loaded where the feeds are made)."""
    # Real word forms of the language (simplemma's dictionaries, a dependency already), so
    # that language detection sees text of the language the feed declares, as in real feeds;
    # Zipf-like draws from it make items differ the way real texts do.
    from simplemma.strategies.dictionaries import DefaultDictionaryFactory

    forms = sorted(w for w in DefaultDictionaryFactory().get_dictionary(language)
                   if w.isalpha() and w.islower() and 3 <= len(w) <= 10)
    return random.Random(language).sample(forms, size)


CUMULATIVE = list(itertools.accumulate(1 / (rank + 1)
                                      for rank in range(4000)))  # random.choices' cum_weights
# Real topic sentences the shipped rules match (checked by tests/test_bench_ingest.py), by
# the language the feed declares; a few per cent of items carry one, as a news feed would.
TOPICS = {
    "en": ["The European Union imposed new sanctions on Russia's central bank.",
           "Russia expelled the German ambassador and closed the embassy.",
           "Ukraine and Russia resumed ceasefire negotiations in Istanbul.",
           "Washington announced an asset freeze against three Iranian banks."],
    "de": ["Die Europäische Union verhängte neue Sanktionen gegen die russische Zentralbank.",
           "Russland wies den deutschen Botschafter aus und schloss die Botschaft.",
           "Die Ukraine und Russland nahmen die Verhandlungen über eine Waffenruhe in Istanbul "
           "wieder auf."],
    "fr": ["L'Union européenne a imposé de nouvelles sanctions à la banque centrale russe.",
           "La France a fermé son ambassade à Moscou et expulsé l'ambassadeur russe.",
           "L'Ukraine et la Russie ont repris les négociations de cessez-le-feu à Istanbul."],
    "es": ["La Unión Europea impuso nuevas sanciones al banco central de Rusia.",
           "Rusia expulsó al embajador alemán y cerró la embajada.",
           "Ucrania y Rusia reanudaron las negociaciones de alto el fuego en Estambul."],
}
LANGUAGES = ["en", "en", "de", "fr", "es"]  # feed n's language: LANGUAGES[n % 5]
TOPIC_SHARE = 0.04
