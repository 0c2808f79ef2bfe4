"""Language detection: which language an article is in, and whether the detector is sure.

py3langid ships its model inside the package, so detection needs no download; it is imported
on first use (it loads numpy, ~0.2 s, which the quick commands never need).
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import stat
import tempfile
import threading
from pathlib import Path

log = logging.getLogger("monitor.rules.language")
_model_loading: threading.Thread | None = None


def warm_language_model(cache: Path | None = None) -> None:
    """Start loading the language identifier in the background, mostly outside the GIL: a
    command that reads rules and files meanwhile (``monitor match``) gets its first detection
    sooner. ``cache``: a private directory where the model is kept decompressed."""
    global _model_loading
    if _model_loading is None:
        _model_loading = threading.Thread(target=_warm, args=(cache,), daemon=True,
                                          name="language-model")
        _model_loading.start()


def _warm(cache: Path | None) -> None:
    if cache is not None:
        try:
            _load_decompressed(cache)
        except Exception as exc:  # any failure: the package loads its own, as before
            log.debug("language.model_cache_unusable", extra={"error": str(exc)})
    _classify("warm up")


def _load_decompressed(cache: Path) -> None:
    # py3langid ships its model LZMA-compressed: 0.5 s of a quick command's second goes to
    # decompressing it on every start. The decompressed arrays (an .npz read without pickle)
    # are kept in the cache directory, named after the shipped file's size and time.
    import lzma
    import shutil

    import numpy as np
    from py3langid import langid, modelio

    if langid.IDENTIFIER is not None:
        return
    source = Path(langid.__file__).with_name("data") / "model.npz.xz"
    info = source.stat()
    cache.mkdir(mode=0o700, parents=True, exist_ok=True)
    own = cache.stat()
    if own.st_uid != os.getuid() or own.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return  # another user's, or writable by others: not read
    path = cache / f"py3langid-{info.st_size}-{info.st_mtime_ns}.npz"
    if not path.exists():
        with tempfile.NamedTemporaryFile(dir=cache, prefix=".tmp-", delete=False) as tmp:
            try:
                with lzma.open(source) as src:
                    shutil.copyfileobj(src, tmp, length=1 << 20)
            except BaseException:
                Path(tmp.name).unlink(missing_ok=True)
                raise
        os.replace(tmp.name, path)
        for old in cache.glob("py3langid-*.npz"):  # an upgraded package's model replaces it
            if old != path:
                with contextlib.suppress(OSError):
                    old.unlink()
    with np.load(path, allow_pickle=False) as data:
        identifier = langid.LanguageIdentifier(
            data["ptc"], data["pc"], data["classes"].tolist(),
            modelio._to_array(data["nextmove"]), data["out_feat"].tolist(),
            tk_row=modelio._to_array(data["nextmove_row"]))
    langid.IDENTIFIER = identifier


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
