"""Facts several rules derive from the same documents: which procedures a rule concerns, the
stay's expiry, a pending application, the trip's dates and the status of residence named on a
form. Each reads through the Case, so the reads are charged to the rule that asked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta

from pipeline.verify.case import Case
from schemas.reference import Period, StatusOfResidence, status_table

STATUS_HOLDER = (
    "special_reentry",
    "reentry_permit",
    "extension_of_stay",
    "change_of_status",
    "unknown",
)
"""Procedures whose applicant must hold a valid stay now. Not departure orders or provisional
release (their applicants have overstayed or are detained) nor Certificates of Eligibility
(applicants abroad). Unknown cases get these checks too: they are reviewed anyway, and an
expired card is worth saying."""

WITH_PASSPORT = ("departure_order", *STATUS_HOLDER)
"""Procedures that need a valid passport: to travel, to extend or change a stay, to leave."""

TRAVEL = ("special_reentry", "reentry_permit")

PENDING_GRACE = relativedelta(months=2)
"""How long past the printed expiry a pending extension/change application keeps a stay."""


@dataclass(frozen=True)
class Checkpoint:
    """A date documents must still be valid on, and how to say it in a message."""

    day: date
    wording: str


def checkpoints(case: Case) -> list[Checkpoint]:
    """The date checked against, and for travel the planned departure when it is later: a
    passport or stay that lapses before leaving is as bad as one already lapsed."""
    points = [Checkpoint(case.as_of, f"on {case.as_of} (the date checked against)")]
    departure = trip(case).departure
    if departure is not None and departure > case.as_of:
        points.append(Checkpoint(departure, f"on the planned departure date {departure}"))
    return points


@dataclass(frozen=True)
class Trip:
    departure: date | None
    return_date: date | None
    documents: tuple[int, ...] = ()
    """Application forms that state the dates (empty when they come from case.yaml)."""
    fields: tuple[str, ...] = ()


def trip(case: Case, *, need_return: bool = False) -> Trip:
    """The planned departure and return. A re-entry permit's form states what is requested
    and wins over case.yaml; special re-entry has no form, so only case.yaml says."""
    departure, return_date = case.context.planned_departure, case.context.planned_return
    if case.procedure != "reentry_permit":
        return Trip(departure, return_date)
    documents: list[int] = []
    fields: list[str] = []
    for form in case.docs("application_form"):
        stated_departure = case.date(form, "date_of_departure", required=False)
        must_state_return = need_return and return_date is None
        stated_return = case.date(form, "date_of_reentry", required=must_state_return)
        if stated_departure is not None:
            departure = stated_departure
            fields.append("date_of_departure")
        if stated_return is not None:
            return_date = stated_return
            fields.append("date_of_reentry")
        if stated_departure is not None or stated_return is not None:
            documents.append(form)
    return Trip(departure, return_date, tuple(documents), tuple(dict.fromkeys(fields)))


def known_status(case: Case, index: int, name: str) -> StatusOfResidence | None:
    """The status of residence a field names, doubting a name seed 002's table lacks."""
    text = case.text(index, name)
    if text is None:
        return None
    status = status_table().by_name(text)
    if status is None:
        case.doubt(index, name, "names no status of residence in seed 002's table")
    return status


def known_period(case: Case, index: int, name: str) -> Period | None:
    text = case.text(index, name)
    if text is None:
        return None
    try:
        return Period.parse(text)
    except ValueError:
        case.doubt(index, name, "is not a period of stay such as 3y or 1y6m")
        return None


def stay_expiry(case: Case, card: int) -> date | None:
    """The last day of the stay a card shows; None when the status has no period (permanent
    residents) or when the date was not read (then a doubt is noted)."""
    status = known_status(case, card, "status_of_residence")
    if status is not None and status.unlimited:
        return None
    return case.date(card, "date_of_expiry")


@dataclass(frozen=True)
class Pending:
    """Whether a card's back shows an extension/change application pending."""

    pending: bool | None
    backs: tuple[int, ...]


def pending_application(case: Case) -> Pending:
    backs = tuple(case.docs("residence_card_back"))
    readings = [case.flag(back, "application_pending") for back in backs]
    if any(reading is True for reading in readings):
        return Pending(True, backs)
    if any(reading is None for reading in readings):
        return Pending(None, backs)
    return Pending(False, backs)


@dataclass(frozen=True)
class LapsedStay:
    """A stay that ends before a checkpoint, and what a pending application does about it."""

    expiry: date
    checkpoint: Checkpoint
    grace_end: date
    pending: Pending | None
    """None when the checkpoint is past the grace period, so no application can matter."""

    @property
    def within_grace(self) -> bool:
        return self.pending is not None and self.pending.pending is True

    @property
    def backs(self) -> tuple[int, ...]:
        return self.pending.backs if self.pending is not None else ()


def lapsed_stay(case: Case, card: int) -> LapsedStay | None:
    """The first checkpoint the card's stay does not reach, if any. The back is read only when
    a pending application could still keep the stay, so an irrelevant unread stamp neither
    raises a doubt nor softens the finding."""
    expiry = stay_expiry(case, card)
    if expiry is None:
        return None
    for point in checkpoints(case):
        if expiry < point.day:
            grace_end = expiry + PENDING_GRACE
            pending = pending_application(case) if point.day <= grace_end else None
            return LapsedStay(expiry, point, grace_end, pending)
    return None
