"""A YAML parser's complaint told in one line, for the messages that ask a person to fix a
case.yaml or a checklist file."""

from __future__ import annotations

from typing import Any

import yaml


def yaml_problem(error: Exception) -> str:
    """The problem and where it is (line and column count from 1)."""
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        mark = error.problem_mark
        return f"line {mark.line + 1}, column {mark.column + 1}: {error.problem}"
    return str(error).splitlines()[0]


def setting_path(problem: Any) -> str:
    """Where in the file a validation problem lies, as a person would name it (items.0.id),
    from one of pydantic's ValidationError.errors()."""
    return ".".join(str(part) for part in problem["loc"]) or "the file"
