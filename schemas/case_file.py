"""case.yaml: what a case folder may say about itself beyond its documents."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, ValidationError

from schemas.report import PROCEDURE_IDS, ProcedureId

EXAMPLE = "procedure: special_reentry"


class CaseFile(BaseModel):
    """A misspelt key is refused rather than ignored: 'Procedure: ...' read as nothing would
    leave the case to another procedure without a word."""

    model_config = ConfigDict(extra="forbid")

    procedure: ProcedureId | None = None
    planned_departure: date | None = None
    planned_return: date | None = None
    special_permanent_resident: bool = False


def case_file_problem(error: ValidationError) -> str:
    """The first problem of a case.yaml that did not validate, said so that a person knows
    what to write instead."""
    problem = error.errors()[0]
    key = ".".join(str(part) for part in problem["loc"]) or "the file"
    kind = problem["type"]
    if kind == "extra_forbidden":
        known = ", ".join(CaseFile.model_fields)
        return f"'{key}' is no case.yaml setting; the settings are {known} (all lower case)."
    if key == "procedure":
        return f"procedure must be one of {', '.join(PROCEDURE_IDS)}."
    if key in ("planned_departure", "planned_return"):
        return f"{key} must be a date such as 2027-03-31."
    if key == "special_permanent_resident":
        return f"{key} must be true or false."
    return f"{key}: {problem['msg']}."
