from __future__ import annotations

from pathlib import Path

import pandas as pd

from kenal.text.language import detect_language
from kenal.text.language import detect_languages


def test_batch_languages_agree_with_detect_language(dirty):
    tricky = pd.read_csv(Path(__file__).parent / "tricky_sentences.csv").text
    texts = [*dirty.tables["interactions"].text, *tricky, None, "", "123 !!", "İstanbul mantap",
             "barangnya", "ok", float("nan")]
    assert list(detect_languages(texts)) == [detect_language(t if isinstance(t, str) else None) for t in texts]
    assert list(detect_languages(["gak bagus", "not good", "barangnya bagus but delivery lama"],
                                 mixed_share=0.5)) == ["id", "en", "id"]
    assert len(detect_languages([])) == 0
