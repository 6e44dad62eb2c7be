"""Rules about what an application form asks for and who may ask."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from pipeline.verify import sources
from pipeline.verify.case import Case, Hit
from pipeline.verify.registry import rule
from pipeline.verify.rules.common import known_period, known_status
from schemas.reference import Period, StatusOfResidence
from schemas.report import PROCEDURE_IDS


@rule("FORM_NOT_SIGNED", "error", sources.SIGNATURE)
def form_not_signed(case: Case) -> Iterator[Hit]:
    for form in case.docs("application_form"):
        if case.flag(form, "signed") is False:
            yield Hit(
                f"The application form {case.label(form)} is not signed: the applicant must"
                " sign it before filing.",
                (form,),
                ("signed",),
            )


@rule("DOCUMENT_NOT_FOR_PROCEDURE", "error", sources.FORM_TITLE, PROCEDURE_IDS)
def form_for_other_procedure(case: Case) -> Iterator[Hit]:
    for form in case.docs("application_form"):
        named = case.text(form, "form")
        if named is not None and named != case.procedure:
            yield Hit(
                f"{case.label(form)} is the application form for {named}, but the case is"
                f" {case.procedure}: use the {case.procedure} form.",
                (form,),
                ("form",),
            )


def _allowed_periods(status: StatusOfResidence) -> str:
    allowed = [Period.parse(p) for p in status.allowed_periods]
    wording = ", ".join(p.compact() for p in sorted(allowed, reverse=True))
    if status.max_period:
        bound = f"any period up to {status.max_period}"
        wording = f"{wording} or {bound}" if wording else bound
    return wording


@rule("PERIOD_NOT_ALLOWED", "error", sources.PERIODS, ["extension_of_stay", "change_of_status"])
def period_not_allowed(case: Case) -> Iterator[Hit]:
    """An extension keeps the current status; a change asks for the desired one."""
    changing = case.procedure == "change_of_status"
    status_field = "desired_status" if changing else "status_of_residence"
    for form in case.docs("application_form"):
        status = known_status(case, form, status_field)
        period = known_period(case, form, "requested_period")
        if status is None or period is None or status.allows(period):
            continue
        yield Hit(
            f"{case.label(form)} asks for a period of stay of {period.compact()} with the"
            f" status {status.name}, which allows {_allowed_periods(status)}.",
            (form,),
            (status_field, "requested_period"),
        )


INELIGIBLE_FOR_COE = ("Temporary Visitor", "Permanent Resident")


@rule("STATUS_NOT_ELIGIBLE", "error", sources.COE_STATUSES, ["certificate_of_eligibility"])
def status_not_eligible(case: Case) -> Iterator[Hit]:
    for form in case.docs("application_form"):
        status = known_status(case, form, "status_of_residence")
        if status is not None and status.name in INELIGIBLE_FOR_COE:
            yield Hit(
                f"{case.label(form)} applies for a Certificate of Eligibility for"
                f" {status.name}, for which none is issued.",
                (form,),
                ("status_of_residence",),
            )


# Who may apply for provisional release (Immigration Control Act art. 54: the detainee, or
# their agent, curator, spouse, lineal relative or sibling), in the words forms use. Lineal
# relatives include those by marriage (親族 covers 姻族, Civil Code art. 725).
def _wordings(text: str) -> frozenset[str]:
    return frozenset(w.strip() for w in text.split(";"))


_ALLOWED_RELATIONSHIPS = {
    "the person": _wordings(
        "person; the person; self; oneself; himself; herself; myself; principal; detainee;"
        " the detainee; the detained person; 本人"
    ),
    "agent": _wordings(
        "agent; legal agent; representative; legal representative; attorney; lawyer; 代理人;"
        " 法定代理人"
    ),
    "curator": _wordings("curator; guardian; 保佐人; 後見人"),
    "spouse": _wordings("spouse; husband; wife; 配偶者; 夫; 妻"),
    "lineal relative": _wordings(
        "lineal relative; immediate relative; direct relative; parent; father; mother; child;"
        " son; daughter; 親; 両親; grandparent; grandfather; grandmother; grandchild; grandson;"
        " granddaughter; father in law; mother in law; son in law; daughter in law; 直系の親族;"
        " 直系親族; 父; 母; 子; 長男; 長女; 次男; 次女; 祖父; 祖母; 孫; 義父; 義母"
    ),
    "sibling": _wordings(
        "sibling; brother; sister; elder brother; younger brother; older brother; elder sister;"
        " younger sister; older sister; 兄弟姉妹; 兄弟; 姉妹; 兄; 弟; 姉; 妹"
    ),
}
_RELATIONSHIP_CATEGORY = {
    words: category for category, wordings in _ALLOWED_RELATIONSHIPS.items() for words in wordings
}
_NOT_ALLOWED_RELATIONSHIPS = _wordings(
    "friend; acquaintance; employer; colleague; coworker; supporter; partner; fiance; fiancee;"
    " boyfriend; girlfriend; cousin; uncle; aunt; nephew; niece; brother in law; sister in law;"
    " landlord; teacher; neighbor; neighbour; 友人; 知人; 雇用主; 同僚; 婚約者; いとこ; 叔父; 伯父;"
    " 叔母; 伯母; 甥; 姪; 義兄; 義弟; 義姉; 義妹; 家主; 大家; 教師; 先生; 隣人; 支援者"
)


def _wording_parts(text: str) -> list[str]:
    """The whole wording and each bilingual part of it ("Spouse (配偶者)", "Self / 本人")."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    pieces = [folded, *re.split(r"[()/]", folded)]
    cleaned = (
        " ".join(re.sub(r"[^\w\u3040-\u30ff\u3400-\u9fff]+", " ", p).split()) for p in pieces
    )
    return [piece for piece in cleaned if piece]


@rule("APPLICANT_NOT_ALLOWED", "error", sources.PROVISIONAL_APPLICANTS, ["provisional_release"])
def applicant_not_allowed(case: Case) -> Iterator[Hit]:
    """Wording neither list knows, or parts that contradict each other, are doubted rather
    than judged, so that an unfamiliar but valid relationship goes to a person instead of
    failing the case."""
    for form in case.docs("application_form"):
        relationship = case.text(form, "relationship")
        if relationship is None:
            continue
        parts = _wording_parts(relationship)
        allowed = any(part in _RELATIONSHIP_CATEGORY for part in parts)
        refused = any(part in _NOT_ALLOWED_RELATIONSHIPS for part in parts)
        if allowed == refused:
            case.doubt(form, "relationship", "is not a relationship the rules recognise")
        elif refused:
            yield Hit(
                f"{case.label(form)} gives the applicant's relationship to the detained person"
                f" as '{relationship}': only the detained person, or their agent, curator,"
                " spouse, lineal relative or sibling may apply.",
                (form,),
                ("relationship",),
            )


MAX_DEPOSIT_YEN = 3_000_000


@rule("DEPOSIT_TOO_HIGH", "error", sources.PROVISIONAL_DEPOSIT, ["provisional_release"])
def deposit_too_high(case: Case) -> Iterator[Hit]:
    for form in case.docs("application_form"):
        amount = case.number(form, "deposit_amount")
        if amount is not None and amount > MAX_DEPOSIT_YEN:
            yield Hit(
                f"{case.label(form)} offers a deposit of {amount:,} yen; the deposit is at most"
                f" {MAX_DEPOSIT_YEN:,} yen: check the amount (a misplaced digit?).",
                (form,),
                ("deposit_amount",),
            )


DEPARTURE_CONDITIONS = (
    "appeared at an immigration office intending to leave Japan promptly",
    "falls under no deportation ground other than overstaying",
    "has not been sentenced to imprisonment for theft or a similar crime since entering Japan",
    "has never been deported or ordered to depart before",
    "is certain to leave Japan promptly",
)


@rule("DEPARTURE_CONDITION_NOT_MET", "error", sources.DEPARTURE_ORDER, ["departure_order"])
def departure_condition_not_met(case: Case) -> Iterator[Hit]:
    """Forms that list the conditions must answer all five; forms that do not are left to
    the officer."""
    names = [f"condition_{n}" for n in range(1, len(DEPARTURE_CONDITIONS) + 1)]
    for form in case.docs("application_form"):
        states_them = any(case.has_field(form, name) for name in names)
        for name, condition in zip(names, DEPARTURE_CONDITIONS, strict=True):
            if case.flag(form, name, required=states_them) is False:
                yield Hit(
                    f"{case.label(form)} does not confirm {name.replace('_', ' ')} of the"
                    f" departure order system (the person {condition}). Without all five,"
                    " deportation procedures apply instead, with a re-entry ban of 5 years"
                    " rather than 1.",
                    (form,),
                    (name,),
                )
