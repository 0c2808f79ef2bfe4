"""The language model kept decompressed in the cache directory: the same identifier as the
one the package loads itself, and never read from a directory others may write."""

from __future__ import annotations

from pathlib import Path

import pytest
from py3langid import langid

from monitor.rules.language import _load_decompressed

TEXTS = [
    "The European Union imposed new sanctions on Russia's central bank on Friday.",
    "Pemerintah Indonesia menggelar perundingan dengan Rusia di Jakarta pekan ini.",
    "Министр иностранных дел провёл переговоры с послом в Москве.",
    "Die Bundesregierung verhängte neue Sanktionen gegen die Zentralbank.",
    "وزير الخارجية يلتقي السفير في السفارة لبحث العقوبات",
    "外交部长在北京与大使举行会谈，讨论制裁问题。",
]


def test_the_kept_model_ranks_as_the_shipped_one(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    shipped = langid._load_identifier()
    monkeypatch.setattr(langid, "IDENTIFIER", None)
    _load_decompressed(tmp_path / "language")
    assert [p.name.startswith("py3langid-") for p in (tmp_path / "language").iterdir()] == [True]
    kept = langid.IDENTIFIER
    assert kept is not None and kept is not shipped
    for text in TEXTS:
        assert kept.rank(text)[:5] == shipped.rank(text)[:5]
    # A second start reads the file written by the first.
    monkeypatch.setattr(langid, "IDENTIFIER", None)
    _load_decompressed(tmp_path / "language")
    assert langid.IDENTIFIER is not None
    assert langid.IDENTIFIER.classify(TEXTS[1]) == shipped.classify(TEXTS[1])


def test_a_directory_others_may_write_is_not_used(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(langid, "IDENTIFIER", None)
    shared = tmp_path / "language"
    shared.mkdir()
    shared.chmod(0o777)
    _load_decompressed(shared)
    assert langid.IDENTIFIER is None and not list(shared.iterdir())
