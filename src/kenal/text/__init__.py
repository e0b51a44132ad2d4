"""kenal.text: rules over customer texts that run as queries in the store.

- :mod:`~kenal.text.language`: Indonesian / English / mixed / other, from packaged lexicons.
- :mod:`~kenal.text.spam`: bare links, keyboard junk and promotions posted by many accounts.
- :mod:`~kenal.text.return_reasons`: free-text return reasons mapped to a few categories.
- :mod:`~kenal.text.clean`: PII masking, informal spellings, elongations, emoticons.
- :mod:`~kenal.text.sentiment`: positive / neutral / negative from a lexicon and rules.
- :mod:`~kenal.text.aspects`: what a text is about, and whether it is a complaint.
- :mod:`~kenal.text.model` and :mod:`~kenal.text.train`: a sentiment model learnt from labelled texts.
- :mod:`~kenal.text.stage`: the texts of a workspace scored once into ``interaction_scores``.
- :mod:`~kenal.text.triage`: open support messages prioritised and routed.
"""

from kenal.text.aspects import ASPECTS, analyse_texts, aspects_of, is_complaint
from kenal.text.clean import clean_text, clean_texts, mask_pii
from kenal.text.language import LANGUAGES, MIXED_SHARE, detect_language, language_table
from kenal.text.language import detect_languages
from kenal.text.model import TrainedSentiment, active_model
from kenal.text.return_reasons import CATEGORIES, KEYWORDS, categorise_reason, reason_category
from kenal.text.sentiment import score_texts, sentiment
from kenal.text.spam import (LINK_ONLY, MIN_LETTERS, REASONS, REPEATED_PROMOTION, TOO_SHORT,
                             spam_flags)
from kenal.text.stage import INTERACTION_SCORES, score_interactions
from kenal.text.triage import Triage

__all__ = [
    "ASPECTS", "analyse_texts", "aspects_of", "is_complaint", "clean_text", "clean_texts", "mask_pii",
    "detect_languages", "score_texts", "sentiment",
    "LANGUAGES", "MIXED_SHARE", "detect_language", "language_table",
    "CATEGORIES", "KEYWORDS", "categorise_reason", "reason_category",
    "LINK_ONLY", "MIN_LETTERS", "REASONS", "REPEATED_PROMOTION", "TOO_SHORT", "spam_flags",
    "INTERACTION_SCORES", "TrainedSentiment", "Triage", "active_model", "score_interactions",
]
