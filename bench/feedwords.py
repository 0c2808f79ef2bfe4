"""The generated news of the feed benchmarks: a Zipf-like made-up vocabulary, and real topic
sentences the shipped rules match (checked by tests/test_bench_ingest.py)."""

from __future__ import annotations

import itertools
import random

_SYLLABLES = ["ka", "ri", "to", "ne", "ma", "sa", "lo", "ve", "di", "pu", "ba", "te", "zi",
              "mo", "ra", "ku", "le", "fi", "no", "ga", "ho", "ju", "se", "wa", "tri", "sta",
              "pre", "con", "dor", "lin", "mar", "vel"]
# A Zipf-like vocabulary of 4,000 made-up words, so that items differ the way real texts do
# (a small vocabulary would make every item a near-duplicate of every other).
_VOCAB_RNG = random.Random(0)
WORDS = ["".join(_VOCAB_RNG.choice(_SYLLABLES) for _ in range(_VOCAB_RNG.randint(1, 4)))
         for _ in range(4000)]
CUMULATIVE = list(itertools.accumulate(1 / (rank + 1)
                                      for rank in range(len(WORDS))))  # random.choices' cum_weights
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
