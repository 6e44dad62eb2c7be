"""What an application form says about itself: the procedure its title names.

The vocabulary of titles is data: each checklist's `form_titles` (so an office's checklist can
add the wording of its own forms), plus the official Japanese titles below, which the bundled
checklists do not carry yet.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import cache

from rapidfuzz import fuzz

from schemas.checklist import Checklist, load_checklists

# Official Japanese titles of each procedure's form (法務省 様式 names).
JAPANESE_FORM_TITLES: dict[str, tuple[str, ...]] = {
    "reentry_permit": ("再入国許可申請書",),
    "extension_of_stay": ("在留期間更新許可申請書",),
    "change_of_status": ("在留資格変更許可申請書",),
    "certificate_of_eligibility": ("在留資格認定証明書交付申請書",),
    "provisional_release": ("仮放免許可申請書",),
    "departure_order": ("出国命令",),
}

# A title matched with fewer than this share of its characters right is not a match: about one
# OCR error in eight characters still is.
MIN_TITLE_SCORE = 85.0

_NOT_TITLE_CHARACTER = re.compile(r"[^0-9A-Z\u3040-\u30ff\u3400-\u9fff]")


def fold_title_text(text: str) -> str:
    """Upper case, full-width folded, letters/digits/kana/kanji only, so that hyphens, spaces
    and line breaks the OCR adds or drops ("RE-ENTRY", "RE ENTRY", "REENTRY") do not count."""
    return _NOT_TITLE_CHARACTER.sub("", unicodedata.normalize("NFKC", text).upper())


def _title_vocabulary(checklists: Mapping[str, Checklist]) -> list[tuple[str, str]]:
    """(folded title, procedure id) pairs, longest title first so that a specific wording
    wins over a shorter one it contains."""
    pairs = {
        (fold_title_text(title), procedure)
        for procedure, checklist in checklists.items()
        for title in checklist.form_titles
    }
    pairs |= {
        (fold_title_text(title), procedure)
        for procedure, titles in JAPANESE_FORM_TITLES.items()
        for title in titles
    }
    return sorted((p for p in pairs if p[0]), key=lambda p: (-len(p[0]), p[1]))


@cache
def _bundled_vocabulary() -> list[tuple[str, str]]:
    return _title_vocabulary(load_checklists())


def form_procedure(
    text: str, *, checklists: Mapping[str, Checklist] | None = None
) -> tuple[str | None, float]:
    """The procedure id the form's title names, and how sure the match is (0..1).

    Forms mention other procedures in their notes ("a new Certificate of Eligibility is
    needed"), so among the titles found the one printed first wins: the title heads the form.
    Pass `checklists` when an office's overrides add titles.
    """
    vocabulary = _bundled_vocabulary() if checklists is None else _title_vocabulary(checklists)
    folded = fold_title_text(text)
    best: tuple[int, float, str] | None = None  # (position, score, procedure)
    for title, procedure in vocabulary:
        if len(folded) < len(title):
            score, position = fuzz.ratio(title, folded), 0
        else:
            alignment = fuzz.partial_ratio_alignment(title, folded)
            score, position = alignment.score, alignment.dest_start
        if score < MIN_TITLE_SCORE:
            continue
        if best is None or position < best[0] or (position == best[0] and score > best[1]):
            best = (position, score, procedure)
    if best is None:
        return None, 0.0
    return best[2], round(best[1] / 100.0, 3)
