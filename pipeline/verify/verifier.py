"""verify_case: the rules, the checklist and the verdict of one case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pipeline.verify import sources
from pipeline.verify.case import CASE_LEVEL, Case, CaseContext
from pipeline.verify.checklist import checklist_entries, evaluate_items, missing_findings
from pipeline.verify.registry import run_rules
from pipeline.verify.rules import RULES
from schemas.checklist import Checklist, load_checklists
from schemas.report import PROCEDURE_IDS, ChecklistEntry, DocumentReport, Finding, Verdict

_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@dataclass
class Verification:
    checklist: list[ChecklistEntry]
    findings: list[Finding]
    verdict: Verdict


def _doubt_findings(case: Case) -> list[Finding]:
    """One LOW_CONFIDENCE finding per document, naming each doubted field and the checks that
    needed it."""
    by_document: dict[int, list[str]] = {}
    for index, name in case.doubts:
        by_document.setdefault(index, []).append(name)
    findings = []
    for index, names in sorted(by_document.items()):
        doubts = [case.doubts[index, name] for name in names]
        details = "; ".join(
            f"{name} {doubt.reason}" for name, doubt in zip(names, doubts, strict=True)
        )
        codes = sorted({code for doubt in doubts for code in doubt.codes})
        where = "In the case as a whole" if index == CASE_LEVEL else f"On {case.label(index)}"
        findings.append(
            Finding(
                code="LOW_CONFIDENCE",
                severity="warning",
                message=(
                    f"{where}: {details}. The {', '.join(codes)} checks depend on"
                    f" {'it' if len(names) == 1 else 'them'}, so confirm by eye."
                ),
                documents=[] if index == CASE_LEVEL else case.pages([index]),
                fields=names,
                source=sources.LOW_CONFIDENCE,
            )
        )
    return findings


def decide(checklist: list[ChecklistEntry], findings: list[Finding]) -> Verdict:
    """CONTRACT.md's verdict. Any error or warning that does not already make an item missing
    or invalid (an expired second passport, a plan that cannot work) still needs a person."""
    if any(entry.required and entry.status != "present" for entry in checklist):
        return "incomplete"
    if any(finding.severity in ("error", "warning") for finding in findings):
        return "needs_review"
    return "complete"


def verify_case(
    documents: list[DocumentReport],
    procedure: str,
    checklist: Checklist | None,
    as_of: date,
    context: CaseContext,
) -> Verification:
    """Check a case's documents against its procedure's checklist and rules.

    `procedure` is a procedure id or "unknown" (then PROCEDURE_UNKNOWN and no checklist).
    Without a checklist for a known procedure the bundled one is used.
    """
    if procedure == "unknown":
        checklist = None
    elif procedure not in PROCEDURE_IDS:
        raise ValueError(f"not a procedure id: {procedure!r}")
    elif checklist is None:
        checklist = load_checklists()[procedure]
    elif checklist.procedure != procedure:
        raise ValueError(f"checklist is for {checklist.procedure}, case is {procedure}")
    case = Case(documents, procedure, checklist, as_of, context)
    findings = list(run_rules(case, RULES))
    outcomes = evaluate_items(case, findings)
    findings += missing_findings(case, outcomes)
    findings += _doubt_findings(case)
    findings.sort(key=lambda finding: _SEVERITY_ORDER[finding.severity])
    entries = checklist_entries(case, outcomes, findings)
    return Verification(entries, findings, decide(entries, findings))
