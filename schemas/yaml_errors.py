"""A YAML parser's complaint told in one line, for the messages that ask a person to fix a
case.yaml or a checklist file."""

from __future__ import annotations

import yaml


def yaml_problem(error: Exception) -> str:
    """The problem and where it is (line and column count from 1)."""
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        mark = error.problem_mark
        return f"line {mark.line + 1}, column {mark.column + 1}: {error.problem}"
    return str(error).splitlines()[0]
