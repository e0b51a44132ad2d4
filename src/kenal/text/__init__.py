"""kenal.text: rules over customer texts that run as queries in the store.

- :mod:`~kenal.text.language`: Indonesian / English / mixed / other, from packaged lexicons.
- :mod:`~kenal.text.spam`: bare links, keyboard junk and promotions posted by many accounts.
- :mod:`~kenal.text.return_reasons`: free-text return reasons mapped to a few categories.
"""

from kenal.text.language import LANGUAGES, MIXED_SHARE, detect_language, language_table
from kenal.text.return_reasons import CATEGORIES, KEYWORDS, categorise_reason, reason_category
from kenal.text.spam import (LINK_ONLY, MIN_LETTERS, REASONS, REPEATED_PROMOTION, TOO_SHORT,
                             spam_flags)

__all__ = [
    "LANGUAGES", "MIXED_SHARE", "detect_language", "language_table",
    "CATEGORIES", "KEYWORDS", "categorise_reason", "reason_category",
    "LINK_ONLY", "MIN_LETTERS", "REASONS", "REPEATED_PROMOTION", "TOO_SHORT", "spam_flags",
]
