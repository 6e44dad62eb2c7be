"""The rule registry: each rule is a small function declaring its finding code, severity,
source and the procedures it applies to, so the verdict can always say which rule, from
which text, produced each finding."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from pipeline.verify.case import Case, Hit
from schemas.report import Finding, FindingCode, Severity

Check = Callable[[Case], Iterable[Hit]]

DOUBT_NOTE = (
    " This rests on a value that was not read with confidence (see LOW_CONFIDENCE): check the"
    " document by eye."
)
MISREAD_NOTE = (
    " They differ only as much as a misread glyph or two would make them: check the"
    " documents by eye."
)


@dataclass(frozen=True)
class Rule:
    name: str
    code: FindingCode
    severity: Severity
    source: str
    procedures: frozenset[str] | None
    """Procedure ids (or "unknown") the rule applies to; None: every case."""
    check: Check

    def applies_to(self, procedure: str) -> bool:
        return self.procedures is None or procedure in self.procedures


RULES: list[Rule] = []


def rule(
    code: FindingCode,
    severity: Severity,
    source: str,
    procedures: Iterable[str] | None = None,
) -> Callable[[Check], Check]:
    """Register a check under its finding code, severity and source text."""

    def register(check: Check) -> Check:
        scope = frozenset(procedures) if procedures is not None else None
        RULES.append(Rule(check.__name__, code, severity, source, scope, check))
        return check

    return register


def run_rules(case: Case, rules: Iterable[Rule] = RULES) -> Iterator[Finding]:
    """Findings of every rule that applies to the case's procedure.

    An error that rests on a doubtful read, or that one misread glyph would explain, becomes
    a warning: the case then needs a person (never `complete`) without the item being
    declared invalid on a possible misread. One whose values no misreading explains stays.
    """
    for each in rules:
        if not each.applies_to(case.procedure):
            continue
        case.current_code = each.code
        for hit in each.check(case):
            severity = each.severity
            message = hit.message
            doubtful = case.is_doubtful(hit.documents, hit.fields)
            if severity == "error" and doubtful and not hit.misread_ruled_out:
                severity = "warning"
                message += DOUBT_NOTE
            elif severity == "error" and hit.misread_likely:
                severity = "warning"
                message += MISREAD_NOTE
            yield Finding(
                code=each.code,
                severity=severity,
                message=message,
                documents=case.pages(hit.documents),
                fields=list(hit.fields),
                source=each.source,
            )
