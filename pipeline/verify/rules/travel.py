"""Rules for leaving Japan and coming back: special re-entry and the re-entry permit."""

from __future__ import annotations

from collections.abc import Iterator

from dateutil.relativedelta import relativedelta

from pipeline.verify import sources
from pipeline.verify.case import Case, Hit
from pipeline.verify.registry import rule
from pipeline.verify.rules.common import stay_expiry, trip


def _years(count: int) -> str:
    return "one year" if count == 1 else f"{count} years"


@rule("REENTRY_BOX_NOT_TICKED", "error", sources.ED_CARD_BOX, ["special_reentry", "unknown"])
def reentry_box_not_ticked(case: Case) -> Iterator[Hit]:
    for card in case.docs("reentry_ed_card"):
        if case.flag(card, "reentry_intent") is False:
            yield Hit(
                f"The special re-entry box on {case.label(card)} is not ticked: leaving so ends"
                " the status of residence at departure and invalidates the residence card."
                " Tick 'I am leaving temporarily and will return within 1 year (special"
                " re-entry)'.",
                (card,),
                ("reentry_intent",),
            )


@rule("RETURN_AFTER_DEADLINE", "error", sources.SPECIAL_REENTRY, ["special_reentry"])
def return_after_deadline(case: Case) -> Iterator[Hit]:
    """The deadline is the day `years` after departure (the period starts the day after
    departure, Civil Code art. 140/143) or the stay's last day, whichever comes first; a
    return on the deadline itself is in time."""
    planned = case.context.planned_return
    if planned is None:
        return
    departure = case.context.planned_departure or case.as_of
    years = 2 if case.context.special_permanent_resident else 1
    deadline = departure + relativedelta(years=years)
    why = f"{_years(years)} after departure on {departure}"
    limiting_card: tuple[int, ...] = ()
    for card in case.docs("residence_card_front"):
        expiry = stay_expiry(case, card)
        if expiry is not None and expiry < deadline:
            deadline, why = expiry, f"the end of the stay on {case.label(card)}"
            limiting_card = (card,)
    if planned > deadline:
        yield Hit(
            f"The planned return on {planned} is after {deadline} ({why}), so the special"
            " re-entry the embarkation card declares would lapse abroad; it cannot be extended"
            " there. Return earlier or apply for a re-entry permit (and an extension of stay if"
            " the stay ends first).",
            (*case.docs("reentry_ed_card"), *limiting_card),
            ("date_of_expiry",) if limiting_card else (),
        )


@rule("PERIOD_NOT_ALLOWED", "error", sources.REENTRY_PERMIT_VALIDITY, ["reentry_permit"])
def permit_longer_than_allowed(case: Case) -> Iterator[Hit]:
    """A permit runs from the day it is granted, at the latest the day of departure: a
    return past that day's anniversary cannot be covered however the office schedules it.
    Without a planned departure the date checked against stands in for it."""
    planned = trip(case, need_return=True)
    if planned.return_date is None:
        return
    years = 6 if case.context.special_permanent_resident else 5
    start = max(planned.departure or case.as_of, case.as_of)
    limit = start + relativedelta(years=years)
    if planned.return_date > limit:
        yield Hit(
            f"The planned re-entry on {planned.return_date} is more than {_years(years)} after"
            f" {start}: a re-entry permit is valid for at most {_years(years)} from the day it"
            " is granted.",
            planned.documents,
            planned.fields,
        )


@rule("PERMIT_PAST_STAY_EXPIRY", "warning", sources.PERMIT_PAST_STAY, ["reentry_permit"])
def permit_past_stay_expiry(case: Case) -> Iterator[Hit]:
    """A warning, not an error: the application can be filed, and the office grants the
    permit up to the stay's expiry. But an applicant who then stays away past it loses the
    status, so a person must advise before the case goes in."""
    planned = trip(case, need_return=True)
    if planned.return_date is None:
        return
    for card in case.docs("residence_card_front"):
        expiry = stay_expiry(case, card)
        if expiry is not None and planned.return_date > expiry:
            yield Hit(
                f"The planned re-entry on {planned.return_date} is after the stay on"
                f" {case.label(card)} ends ({expiry}). A permit never runs past the stay: it"
                f" will end on {expiry}. Return by then or extend the stay before leaving, or"
                " the status is lost and a new Certificate of Eligibility is needed.",
                (card, *planned.documents),
                ("date_of_expiry", *planned.fields),
            )
