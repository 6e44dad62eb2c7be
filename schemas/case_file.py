"""case.yaml: what a case folder may say about itself beyond its documents."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, StrictBool, ValidationError

from schemas.report import PROCEDURE_IDS, ProcedureId
from schemas.yaml_errors import setting_path

EXAMPLE = "procedure: special_reentry"


def _calendar_date(value: object) -> object:
    """A date as YAML gives it, or written YYYY-MM-DD: pydantic alone would also take a
    number as seconds since 1970 and a date with a time."""
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        return value.strip()
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    raise ValueError("not a YYYY-MM-DD date")


CalendarDate = Annotated[date, BeforeValidator(_calendar_date)]


class CaseFile(BaseModel):
    """A misspelt key is refused rather than ignored: 'Procedure: ...' read as nothing would
    leave the case to another procedure without a word. Values are taken only as written in
    the README: a date YYYY-MM-DD, true or false."""

    model_config = ConfigDict(extra="forbid")

    procedure: ProcedureId | None = None
    planned_departure: CalendarDate | None = None
    planned_return: CalendarDate | None = None
    special_permanent_resident: StrictBool = False


def case_file_problem(error: ValidationError) -> str:
    """The first problem of a case.yaml that did not validate, said so that a person knows
    what to write instead."""
    problem = error.errors()[0]
    key = setting_path(problem)
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
