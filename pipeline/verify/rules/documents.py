"""Rules about single documents: can they be read, are they genuine-looking, are they valid."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipeline.verify import sources
from pipeline.verify.case import Case, Hit
from pipeline.verify.registry import rule
from pipeline.verify.rules.common import (
    STATUS_HOLDER,
    TRAVEL,
    WITH_PASSPORT,
    checkpoints,
    lapsed_stay,
    stay_expiry,
    trip,
)
from schemas.report import CASE_FILE_ERROR, PROCEDURE_IDS, FileError

CARD_NUMBER_FORMAT = re.compile(r"[A-Z]{2}[0-9]{8}[A-Z]{2}")


@rule("UNREADABLE_FILE", "error", sources.UNREADABLE)
def unreadable_file(case: Case) -> Iterator[Hit]:
    for index, document in enumerate(case.documents):
        if _case_file_unusable(document.errors):
            # Its message says what to fix; a case.yaml has no page to rescan.
            yield Hit(f"{document.errors[0].message} Its settings were not used.", (index,))
        elif document.errors:
            reasons = "; ".join(error.message for error in document.errors)
            yield Hit(
                f"{case.label(index)} could not be read ({reasons}), so nothing on it was"
                " checked. Rescan or replace it.",
                (index,),
            )


def _case_file_unusable(errors: tuple[FileError, ...]) -> bool:
    return any(error.code == CASE_FILE_ERROR for error in errors)


@rule("PROCEDURE_UNKNOWN", "warning", sources.PROCEDURE, ["unknown"])
def procedure_unknown(case: Case) -> Iterator[Hit]:
    broken = any(_case_file_unusable(document.errors) for document in case.documents)
    case_file = "case.yaml could not be used" if broken else "no case.yaml"
    yield Hit(
        f"The procedure could not be determined ({case_file}, no application form whose title"
        " names one, no procedure chosen for the run or upload), so the case was not checked"
        " against a checklist. Name it: `procedure: <id>` in the case folder's case.yaml, the"
        " --procedure option of docintake run or watch, or the procedure field of an upload."
    )


@rule("DOCUMENT_NOT_FOR_PROCEDURE", "info", sources.CHECKLIST, PROCEDURE_IDS)
def document_not_asked_for(case: Case) -> Iterator[Hit]:
    if case.checklist is None:
        return
    asked = {doc_type for item in case.checklist.items for doc_type in item.doc_types}
    if "residence_card_front" in asked:
        asked.add("residence_card_back")
    for index, document in enumerate(case.documents):
        if document.errors or document.doc_type in asked:
            continue
        if document.doc_type == "unknown":
            what = "could not be classified as any document type"
        else:
            what = (
                f"is a {document.doc_type}, which the {case.procedure} checklist does not ask for"
            )
        yield Hit(f"{case.label(index)} {what}; it was not used for the checklist.", (index,))


@rule("PASSPORT_EXPIRED", "error", sources.VALID_PASSPORT, WITH_PASSPORT)
def passport_expired(case: Case) -> Iterator[Hit]:
    for passport in case.docs("passport"):
        expiry = case.date(passport, "date_of_expiry")
        lapsed = next((p for p in checkpoints(case) if expiry and expiry < p.day), None)
        if expiry is not None and lapsed is not None:
            yield Hit(
                f"The passport {case.label(passport)} expires on {expiry}, so it is not valid"
                f" {lapsed.wording}. A valid passport is needed.",
                (passport,),
                ("date_of_expiry",),
            )


@rule("PASSPORT_EXPIRED", "info", sources.VALID_PASSPORT, TRAVEL)
def passport_expires_abroad(case: Case) -> Iterator[Hit]:
    """Only a note: the applicant must know before leaving, but renewing a passport at an
    embassy abroad is routine in a multi-year absence and nothing in the filing depends on
    it, so it does not hold the case for review."""
    planned = trip(case)
    if planned.return_date is None:
        return
    last_checkpoint = max(p.day for p in checkpoints(case))
    for passport in case.docs("passport"):
        expiry = case.date(passport, "date_of_expiry")
        if expiry is not None and last_checkpoint <= expiry < planned.return_date:
            yield Hit(
                f"The passport {case.label(passport)} expires on {expiry}, while abroad, before"
                f" the planned return on {planned.return_date}: renew it before leaving or at"
                " an embassy abroad, or re-entry will not be possible on it.",
                (passport, *planned.documents),
                ("date_of_expiry", *planned.fields),
            )


@rule("MRZ_CHECK_FAILED", "error", sources.MRZ)
def mrz_check_failed(case: Case) -> Iterator[Hit]:
    for passport in case.docs("passport"):
        if case.flag(passport, "mrz_valid") is False:
            yield Hit(
                f"The machine-readable zone of {case.label(passport)} fails its check digits:"
                " the passport was misread or is not genuine. Rescan it, or compare the two MRZ"
                " lines with the data page by eye.",
                (passport,),
                ("mrz_valid",),
            )


@rule("CARD_NUMBER_INVALID", "error", sources.CARD_NUMBER)
def card_number_invalid(case: Case) -> Iterator[Hit]:
    for card in case.docs("residence_card_front"):
        number = case.text(card, "card_number")
        if number is None:
            continue
        format_ok = case.documents[card].fields["card_number"].valid is not False
        if not (format_ok and CARD_NUMBER_FORMAT.fullmatch(number)):
            yield Hit(
                f"The card number on {case.label(card)} is not 2 capital letters, 8 digits and"
                " 2 capital letters: the card was misread or is not genuine.",
                (card,),
                ("card_number",),
            )


@rule("RESIDENCE_CARD_EXPIRED", "error", sources.VALID_CARD, STATUS_HOLDER)
def card_expired(case: Case) -> Iterator[Hit]:
    """A card that lapses with its stay is kept valid, like the stay, by a pending
    application (APPLICATION_PENDING says so); a permanent resident's card is not."""
    for card in case.docs("residence_card_front"):
        valid_until = case.date(card, "card_valid_until")
        lapsed = next((p for p in checkpoints(case) if valid_until and valid_until < p.day), None)
        if valid_until is None or lapsed is None:
            continue
        stay = lapsed_stay(case, card)
        backs: tuple[int, ...] = ()
        if stay is not None and valid_until <= stay.expiry:
            if stay.within_grace:
                continue
            backs = stay.backs
        yield Hit(
            f"The residence card {case.label(card)} is valid until {valid_until}, so it is not"
            f" valid {lapsed.wording}.",
            (card, *backs),
            ("card_valid_until", "application_pending") if backs else ("card_valid_until",),
        )


@rule("RESIDENCE_CARD_EXPIRED", "warning", sources.VALID_CARD, TRAVEL)
def card_expires_abroad(case: Case) -> Iterator[Hit]:
    """Cards of permanent residents (and of children) expire apart from the stay; renewing one
    needs the holder in Japan. When the stay ends first, RETURN_AFTER_DEADLINE or
    PERMIT_PAST_STAY_EXPIRY already says so."""
    planned = trip(case)
    if planned.return_date is None:
        return
    last_checkpoint = max(p.day for p in checkpoints(case))
    for card in case.docs("residence_card_front"):
        valid_until = case.date(card, "card_valid_until")
        if valid_until is None or not last_checkpoint <= valid_until < planned.return_date:
            continue
        stay_end = stay_expiry(case, card)
        if stay_end is not None and stay_end <= valid_until:
            continue
        yield Hit(
            f"The residence card {case.label(card)} is valid until {valid_until}, before the"
            f" planned return on {planned.return_date}: renew the card before leaving.",
            (card, *planned.documents),
            ("card_valid_until", *planned.fields),
        )


@rule("STAY_EXPIRED", "error", sources.STAY_EXPIRY, STATUS_HOLDER)
def stay_expired(case: Case) -> Iterator[Hit]:
    for card in case.docs("residence_card_front"):
        lapsed = lapsed_stay(case, card)
        if lapsed is None or lapsed.within_grace:
            continue
        if lapsed.pending is None:
            pending_note = (
                "More than two months have passed since, so not even a pending extension or"
                " change application keeps it."
            )
        elif not lapsed.backs:
            pending_note = "No back side of the card shows an extension or change application."
        elif lapsed.pending.pending is None:
            pending_note = "Whether the back of the card shows a pending application was not read."
        else:
            pending_note = "The back of the card shows no pending application."
        fields = ("date_of_expiry", "application_pending") if lapsed.backs else ("date_of_expiry",)
        yield Hit(
            f"The period of stay on {case.label(card)} ends on {lapsed.expiry}, so the stay is"
            f" not valid {lapsed.checkpoint.wording}. {pending_note}",
            (card, *lapsed.backs),
            fields,
        )


@rule("APPLICATION_PENDING", "warning", sources.APPLICATION_PENDING, STATUS_HOLDER)
def stay_kept_by_pending_application(case: Case) -> Iterator[Hit]:
    for card in case.docs("residence_card_front"):
        lapsed = lapsed_stay(case, card)
        if lapsed is None or not lapsed.within_grace:
            continue
        yield Hit(
            f"The period of stay on {case.label(card)} ended on {lapsed.expiry}, but"
            f" {case.labels(lapsed.backs)} shows an extension or change application pending:"
            f" the stay lasts until the decision, at most until {lapsed.grace_end}. Confirm"
            " the application's receipt.",
            (card, *lapsed.backs),
            ("date_of_expiry", "application_pending"),
        )


# Letters whose point is the signer's own undertaking.
UNDERTAKINGS = ("letter_of_guarantee", "written_oath")


@rule("LETTER_NOT_SIGNED", "warning", sources.UNDERTAKING)
def letter_not_signed(case: Case) -> Iterator[Hit]:
    """A warning, not an error: an office may take a seal or a signature on another page;
    a person looks at the original. A signature line the reader did not find is not doubted
    either: the seeds ask for the letters, not for a check of their signatures."""
    for letter in case.docs(*UNDERTAKINGS):
        signed = case.documents[letter].fields.get("signed")
        if signed is None or signed.value is None:
            continue
        if case.flag(letter, "signed") is False:
            yield Hit(
                f"{case.label(letter)} shows no signature on its signature line: a guarantee or"
                " an oath binds only the person who signs it. Check the original and have it"
                " signed before filing.",
                (letter,),
                ("signed",),
            )
