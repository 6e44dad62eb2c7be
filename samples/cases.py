"""What each generated case holds: the applicant, the procedure's documents, and at most one
deliberate fault with the findings a correct pipeline must report for it. Planning is kept
apart from drawing so that the ground truth can be reasoned about without rendering."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta

from samples.identity import (
    Identity,
    granted_periods,
    other_name,
    random_identity,
    random_passport_number,
)
from schemas.checklist import load_checklists
from schemas.reference import Period, StatusOfResidence, status_table

LETTER_KINDS = ("letter_of_guarantee", "written_oath", "reference_materials", "reason_document")


@dataclass(frozen=True)
class Fault:
    findings: tuple[str, ...]
    procedures: tuple[str, ...]


_WITH_CARD = ("special_reentry", "reentry_permit", "extension_of_stay", "change_of_status")
_WITH_FORM_AND_PASSPORT = (
    "reentry_permit",
    "extension_of_stay",
    "change_of_status",
    "departure_order",
)

# Deliberate faults, the findings they must raise, and where each makes sense.
FAULTS: dict[str, Fault] = {
    "passport_expired": Fault(("PASSPORT_EXPIRED",), _WITH_CARD),
    "card_expired": Fault(("RESIDENCE_CARD_EXPIRED", "STAY_EXPIRED"), _WITH_CARD),
    "ed_not_ticked": Fault(("REENTRY_BOX_NOT_TICKED",), ("special_reentry",)),
    "return_after_deadline": Fault(("RETURN_AFTER_DEADLINE",), ("special_reentry",)),
    "missing_item": Fault(
        ("MISSING_DOCUMENT",),
        (
            "special_reentry",
            "reentry_permit",
            "extension_of_stay",
            "change_of_status",
            "certificate_of_eligibility",
            "provisional_release",
            "departure_order",
        ),
    ),
    "name_mismatch": Fault(("FIELD_MISMATCH",), ("special_reentry", *_WITH_FORM_AND_PASSPORT)),
    "passport_number_mismatch": Fault(
        ("FIELD_MISMATCH",), ("special_reentry", *_WITH_FORM_AND_PASSPORT)
    ),
    "period_not_allowed": Fault(("PERIOD_NOT_ALLOWED",), ("extension_of_stay",)),
    "status_not_eligible": Fault(("STATUS_NOT_ELIGIBLE",), ("certificate_of_eligibility",)),
    "card_number_invalid": Fault(("CARD_NUMBER_INVALID",), _WITH_CARD),
    "deposit_too_high": Fault(("DEPOSIT_TOO_HIGH",), ("provisional_release",)),
    "applicant_not_allowed": Fault(("APPLICANT_NOT_ALLOWED",), ("provisional_release",)),
    "departure_condition_not_met": Fault(("DEPARTURE_CONDITION_NOT_MET",), ("departure_order",)),
}

MAX_DEPOSIT_YEN = 3_000_000
_ALLOWED_RELATIONSHIPS = ("self", "spouse", "sibling", "parent", "child", "agent", "curator")
_OTHER_RELATIONSHIPS = ("friend", "employer", "landlord", "coworker")
_INELIGIBLE_COE_STATUSES = ("Temporary Visitor", "Permanent Resident")
# Statuses nobody applies to change into or be certified for in these samples.
_NOT_APPLIED_FOR = {
    "Diplomat",
    "Official",
    "Temporary Visitor",
    "Permanent Resident",
    "Highly-Skilled Professional (ii)",
}


@dataclass
class DocumentPlan:
    """One document to render: its kind, whose data it shows, and how it is to be drawn."""

    kind: str  # passport, card_front, card_back, ed_card, form, photo, or a letter kind
    identity: Identity
    options: dict[str, Any] = field(default_factory=dict)  # passed on to the renderer
    profile: str | None = None  # a degradation profile to use rather than a random one


@dataclass
class CasePlan:
    case_id: str
    procedure: str
    as_of: date
    identity: Identity
    fault: str | None
    documents: list[DocumentPlan]
    write_case_yaml: bool
    case_yaml: dict[str, Any]
    missing: list[str]
    findings: list[str]

    @property
    def verdict(self) -> str:
        if self.fault:
            return "incomplete"
        return "needs_review" if "RESIDENCE_CARD_EXPIRED" in self.findings else "complete"


def _is_limited(identity: Identity) -> bool:
    return identity.stay_expiry is not None


def _fixed_periods(identity: Identity) -> bool:
    status = status_table().by_name(identity.status)
    return status is not None and not (status.designated or status.unlimited)


def _applicant(procedure: str, fault: str | None, rng: random.Random, as_of: date) -> Identity:
    """A random applicant meeting the procedure's and the fault's needs."""
    needs: list[Callable[[Identity], bool]] = []
    if procedure == "reentry_permit":
        # An absence of more than a year needs a stay that outlasts it.
        needs.append(lambda i: i.stay_expiry is None or i.stay_expiry > as_of + timedelta(days=500))
    if procedure in {"extension_of_stay", "change_of_status", "departure_order"} or (
        fault == "card_expired"
    ):
        needs.append(_is_limited)
    if fault == "period_not_allowed":
        needs.append(_fixed_periods)
    for _ in range(500):  # bounded, so that an impossible combination fails loudly
        identity = random_identity(rng, as_of)
        if not all(need(identity) for need in needs):
            continue
        if procedure == "departure_order":  # who asks for a departure order has overstayed
            return _expire_stay(identity, rng, as_of)
        return identity
    raise RuntimeError("no generated identity met the case's requirements")


def _expire_stay(identity: Identity, rng: random.Random, as_of: date) -> Identity:
    expiry = as_of - timedelta(days=rng.randint(5, 400))
    period = Period.parse(identity.period_of_stay)
    issue = (
        expiry
        + timedelta(days=1)
        - relativedelta(years=period.years, months=period.months, days=period.days)
    )
    return replace(identity, stay_expiry=expiry, card_valid_until=expiry, card_issue=issue)


def _expire_passport(identity: Identity, rng: random.Random, as_of: date) -> Identity:
    expiry = as_of - timedelta(days=rng.randint(3, 500))
    return replace(
        identity,
        passport_expiry=expiry,
        passport_issue=expiry + timedelta(days=1) - relativedelta(years=10),
    )


def _malformed_card_number(identity: Identity, rng: random.Random) -> str:
    """A card number of the wrong shape, made with characters no OCR repair turns into
    the right shape (no O/0, I/1, S/5, B/8 swaps)."""
    number = identity.card_number
    match rng.choice(["short", "long", "letter"]):
        case "short":
            return number[:2] + number[3:]
        case "long":
            return number[:10] + rng.choice("234679") + number[10:]
        case _:
            return number[:5] + rng.choice("KXWHN") + number[6:]


def _status_named(name: str) -> StatusOfResidence:
    status = status_table().by_name(name)
    if status is None:
        raise ValueError(f"unknown status {name!r}")
    return status


def _applied_for_statuses(exclude: str) -> list[str]:
    return [
        s.name
        for s in status_table().statuses
        if s.name not in _NOT_APPLIED_FOR and s.name != exclude and granted_periods(s)
    ]


def _period_not_allowed(identity: Identity, rng: random.Random) -> str:
    status = _status_named(identity.status)
    candidates = [p for p in ("2y", "4y", "6m", "7y", "10y") if not status.allows(Period.parse(p))]
    return rng.choice(candidates)


def _form_answers(
    plan_procedure: str, identity: Identity, fault: str | None, rng: random.Random, as_of: date
) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    if plan_procedure == "extension_of_stay":
        if fault == "period_not_allowed":
            answers["requested_period"] = _period_not_allowed(identity, rng)
        else:
            answers["requested_period"] = rng.choice(
                granted_periods(_status_named(identity.status))
            )
    elif plan_procedure == "change_of_status":
        desired = rng.choice(_applied_for_statuses(identity.status))
        answers["desired_status"] = desired
        answers["requested_period"] = rng.choice(granted_periods(_status_named(desired)))
    elif plan_procedure == "certificate_of_eligibility":
        if fault == "status_not_eligible":
            status = rng.choice(_INELIGIBLE_COE_STATUSES)
            periods = granted_periods(_status_named(status)) or [None]
        else:
            status = rng.choice(_applied_for_statuses(""))
            periods = granted_periods(_status_named(status))
        answers["status_of_residence"] = status
        answers["requested_period"] = rng.choice(periods)
    elif plan_procedure == "reentry_permit":
        departure = as_of + timedelta(days=rng.randint(7, 60))
        latest = departure + relativedelta(years=5)
        if identity.stay_expiry is not None:
            latest = min(latest, identity.stay_expiry - timedelta(days=rng.randint(1, 30)))
        earliest = departure + timedelta(days=370)
        answers["date_of_departure"] = departure
        answers["date_of_reentry"] = earliest + timedelta(
            days=rng.randint(0, max(0, (latest - earliest).days))
        )
        answers["permit_type"] = rng.choice(["single", "multiple"])
    elif plan_procedure == "provisional_release":
        relationship = (
            rng.choice(_OTHER_RELATIONSHIPS)
            if fault == "applicant_not_allowed"
            else rng.choice(_ALLOWED_RELATIONSHIPS)
        )
        answers["relationship"] = relationship
        # The identity is the detained person, whom every letter names; a relative or agent
        # who applies gets a name of their own from the form renderer.
        answers["detained_name"] = identity.name
        answers["deposit_amount"] = (
            rng.randrange(3_500_000, 10_000_001, 500_000)
            if fault == "deposit_too_high"
            else rng.randrange(100_000, MAX_DEPOSIT_YEN + 1, 100_000)
        )
    elif plan_procedure == "departure_order":
        conditions = [True] * 5
        if fault == "departure_condition_not_met":
            conditions[rng.randrange(5)] = False
        answers["departure_conditions"] = tuple(conditions)
    return answers


def _special_reentry_dates(
    identity: Identity, fault: str | None, rng: random.Random, as_of: date
) -> dict[str, Any]:
    departure = as_of + timedelta(days=rng.randint(1, 30))
    deadline = departure + relativedelta(years=1)
    if identity.stay_expiry is not None:
        deadline = min(deadline, identity.stay_expiry)
    if fault == "return_after_deadline":
        planned_return = deadline + timedelta(days=rng.randint(10, 120))
    else:
        if (deadline - departure).days < 20:
            return {}
        planned_return = departure + timedelta(days=rng.randint(7, (deadline - departure).days - 3))
    return {"planned_departure": departure, "planned_return": planned_return}


def _documents(
    procedure: str, identity: Identity, fault: str | None, rng: random.Random, as_of: date
) -> list[DocumentPlan]:
    """The documents an applicant brings for the procedure, before any is left out."""
    card_back = {
        "application_pending": procedure in {"extension_of_stay", "change_of_status"}
        and fault != "card_expired"
        and rng.random() < 0.3,
        "permission_outside_status": identity.work_restriction == "not_permitted"
        and rng.random() < 0.6,
    }
    passport = DocumentPlan("passport", identity)
    card = [DocumentPlan("card_front", identity)]
    if rng.random() < 0.5:
        card.append(DocumentPlan("card_back", identity, card_back))
    photo = DocumentPlan("photo", identity)
    answers = _form_answers(procedure, identity, fault, rng, as_of)
    form = DocumentPlan("form", identity, {"answers": answers})
    match procedure:
        case "special_reentry":
            ed = DocumentPlan(
                "ed_card",
                identity,
                {
                    "ticked": fault != "ed_not_ticked",
                    "mark": rng.choice(["check", "x", "fill"]),
                    # Printings differ: half the cards put labels beside their boxes.
                    "labels_beside": rng.random() < 0.5,
                },
            )
            return [passport, *card, ed]
        case "reentry_permit":
            documents = [form, passport, *card]
            if answers["permit_type"] == "multiple":
                kind = rng.choice(["reason_document", "reference_materials"])
                documents.append(DocumentPlan(kind, identity))
            return documents
        case "extension_of_stay" | "change_of_status":
            return [form, passport, *card, photo]
        case "certificate_of_eligibility":
            return [form, photo]
        case "provisional_release":
            return [form, *(DocumentPlan(kind, identity) for kind in LETTER_KINDS)]
        case "departure_order":
            return [form, passport]
    raise ValueError(f"unknown procedure {procedure!r}")


_ITEM_KINDS = {
    "application_form": {"form"},
    "passport": {"passport"},
    "residence_card": {"card_front"},
    "reentry_ed_card": {"ed_card"},
    "photo": {"photo"},
    "reason_materials": {"reason_document", "reference_materials"},
    **{kind: {kind} for kind in LETTER_KINDS},
}


def _leave_out_item(
    plan_documents: list[DocumentPlan], procedure: str, rng: random.Random
) -> tuple[list[DocumentPlan], str]:
    """Drop every document of one required checklist item; the card's back goes with its
    front, since a back alone does not satisfy the item."""
    checklist = load_checklists()[procedure]
    present_kinds = {d.kind for d in plan_documents}
    items = [
        item.id
        for item in checklist.items
        if (item.required or item.id == "reason_materials") and _ITEM_KINDS[item.id] & present_kinds
    ]
    item = rng.choice(items)
    dropped = _ITEM_KINDS[item] | ({"card_back"} if item == "residence_card" else set())
    return [d for d in plan_documents if d.kind not in dropped], item


def plan_case(
    case_id: str, procedure: str, as_of: date, rng: random.Random, *, fault: str | None
) -> CasePlan:
    """A case for `procedure`, clean or carrying exactly one `fault` from FAULTS."""
    if fault is not None and procedure not in FAULTS[fault].procedures:
        raise ValueError(f"fault {fault!r} does not apply to {procedure!r}")
    identity = _applicant(procedure, fault, rng, as_of)
    if fault == "passport_expired":
        identity = _expire_passport(identity, rng, as_of)
    elif fault == "card_expired":
        identity = _expire_stay(identity, rng, as_of)
    elif fault == "card_number_invalid":
        identity = replace(identity, card_number=_malformed_card_number(identity, rng))

    documents = _documents(procedure, identity, fault, rng, as_of)
    missing: list[str] = []
    if fault == "missing_item":
        documents, item = _leave_out_item(documents, procedure, rng)
        missing.append(item)
    elif fault in {"name_mismatch", "passport_number_mismatch"}:
        # The odd one out is the ED card or the form, as when someone copies an old passport.
        odd = next(d for d in documents if d.kind in {"ed_card", "form"})
        if fault == "name_mismatch":
            surname, given = other_name(identity, rng)
            odd.identity = replace(identity, surname=surname, given_names=given)
        else:
            odd.identity = replace(
                identity, passport_number=random_passport_number(rng, identity.nationality)
            )

    case_yaml: dict[str, Any] = {"procedure": procedure}
    if procedure == "special_reentry":
        case_yaml.update(_special_reentry_dates(identity, fault, rng, as_of))
    has_form = any(d.kind == "form" for d in documents)
    write_case_yaml = not has_form or rng.random() < 0.7
    findings = list(FAULTS[fault].findings) if fault else []
    departure, planned_return = _trip_dates(documents, case_yaml)
    if (
        _passport_runs_out_abroad(documents, planned_return, identity)
        and "PASSPORT_EXPIRED" not in findings
    ):
        findings.append("PASSPORT_EXPIRED")
    if (
        _card_runs_out_abroad(documents, planned_return, identity, max(as_of, departure or as_of))
        and "RESIDENCE_CARD_EXPIRED" not in findings
    ):
        findings.append("RESIDENCE_CARD_EXPIRED")
    return CasePlan(
        case_id=case_id,
        procedure=procedure,
        as_of=as_of,
        identity=identity,
        fault=fault,
        documents=documents,
        write_case_yaml=write_case_yaml,
        case_yaml=case_yaml,
        missing=missing,
        findings=findings,
    )


def _trip_dates(
    documents: list[DocumentPlan], case_yaml: dict[str, Any]
) -> tuple[date | None, date | None]:
    """The departure and return the pipeline reads: the form's, else case.yaml's."""
    departure, planned_return = case_yaml.get("planned_departure"), case_yaml.get("planned_return")
    for document in documents:
        if document.kind == "form":
            answers = document.options["answers"]
            departure = answers.get("date_of_departure", departure)
            planned_return = answers.get("date_of_reentry", planned_return)
    return departure, planned_return


def _passport_runs_out_abroad(
    documents: list[DocumentPlan], planned_return: date | None, identity: Identity
) -> bool:
    """A trip planned past the passport's expiry draws a note (PASSPORT_EXPIRED, info) from a
    correct pipeline even in a case with no fault: a multi-year re-entry permit often
    outlasts the passport, so the truth has to say so rather than the plan avoid it."""
    if not any(d.kind == "passport" for d in documents):
        return False
    return planned_return is not None and identity.passport_expiry < planned_return


def _card_runs_out_abroad(
    documents: list[DocumentPlan], planned_return: date | None, identity: Identity, leaving: date
) -> bool:
    """Likewise a card that lapses abroad before the stay does (a permanent resident's card
    runs seven years; renewing it needs the holder in Japan) draws a warning
    (RESIDENCE_CARD_EXPIRED) and so a review, even in a case with no fault."""
    if planned_return is None or not any(d.kind == "card_front" for d in documents):
        return False
    valid_until = identity.card_valid_until
    stay_outlasts_card = identity.stay_expiry is None or identity.stay_expiry > valid_until
    return leaving <= valid_until < planned_return and stay_outlasts_card


def choose_fault(procedure: str, rng: random.Random, *, rate: float = 0.5) -> str | None:
    """About `rate` of cases carry one fault, drawn from those that fit the procedure."""
    if rng.random() >= rate:
        return None
    return rng.choice([name for name, fault in FAULTS.items() if procedure in fault.procedures])
