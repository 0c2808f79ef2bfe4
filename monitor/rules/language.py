"""Language detection: which language an article is in, and whether the detector is sure.

py3langid ships its model inside the package, so detection needs no download; it is imported
on first use (it loads numpy, ~0.2 s, which the quick commands never need).
"""

from __future__ import annotations

import math
import threading

_model_loading: threading.Thread | None = None


def warm_language_model() -> None:
    """Start loading the language identifier in the background. Its model takes ~0.4 s to
    decompress, mostly outside the GIL: a command that reads rules and files meanwhile (``monitor
    match``) gets its first detection sooner."""
    global _model_loading
    if _model_loading is None:
        _model_loading = threading.Thread(target=_classify, args=("warm up",), daemon=True,
                                          name="language-model")
        _model_loading.start()


def _classify(sample: str) -> str:
    import py3langid

    lang, _score = py3langid.classify(sample)
    return str(lang)


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None when there is too little text to tell.

    py3langid ships its model inside the package, so detection needs no download. It is
    imported on first use: it loads numpy (~0.2 s), which the quick commands never need.
    """
    sample = text[:4000].strip()
    if len(sample) < 20:
        return None
    if _model_loading is not None:
        _model_loading.join()  # one load of the model, not a second one racing it
    return _classify(sample)


# A detection overrides what a feed declares only when it is sure: enough letters to tell, and
# the first language far ahead of the rest (normalised probability).
CONFIDENT_LETTERS = 60
CONFIDENT_PROBABILITY = 0.9


def confident_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language when the detector is sure of it, else None."""
    import py3langid

    sample = text[:4000].strip()
    if sum(ch.isalpha() for ch in sample[:400]) < CONFIDENT_LETTERS:
        return None
    if _model_loading is not None:
        _model_loading.join()
    ranked = py3langid.rank(sample)
    best_lang, best = ranked[0]
    # exp(best - logsumexp(all)): the top language's share of the probability mass.
    share = 1.0 / sum(math.exp(score - best) for _lang, score in ranked)
    return str(best_lang) if share >= CONFIDENT_PROBABILITY else None
