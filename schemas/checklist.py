"""Procedure checklists: data files, validated on load, each item citing its source.

An office adds or overrides items by putting its own YAML files in a directory passed with
`--checklists DIR`: a file for a procedure replaces items with the same id and adds the rest.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from schemas.report import DocType, ProcedureId
from schemas.yaml_errors import setting_path, yaml_problem


class ChecklistError(ValueError):
    """An office's checklist folder or file that cannot be used; the message names the file
    and what to change."""


class Condition(BaseModel):
    """An item is required only when a field of the case's documents has this value."""

    model_config = ConfigDict(extra="forbid")
    field: str
    equals: str | bool


class ChecklistItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    description: str
    doc_types: list[DocType] = Field(min_length=1)
    required: bool = True
    required_when: Condition | None = None
    source: str


class Checklist(BaseModel):
    model_config = ConfigDict(extra="forbid")
    procedure: ProcedureId
    version: int
    title: str
    form_titles: list[str] = Field(
        default_factory=list,
        description="Words of the application form's title that name this procedure.",
    )
    source: str
    items: list[ChecklistItem]

    def merged_with(self, override: Checklist) -> Checklist:
        """This checklist with an office's items replacing or adding to ours, and the titles
        of its own forms added to ours."""
        items = {item.id: item for item in self.items}
        items.update({item.id: item for item in override.items})
        titles = self.form_titles + [t for t in override.form_titles if t not in self.form_titles]
        return self.model_copy(
            update={
                "items": list(items.values()),
                "version": override.version,
                "form_titles": titles,
            }
        )


def _read(path: Path) -> Checklist:
    try:
        with path.open(encoding="utf-8") as handle:
            content = yaml.safe_load(handle)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ChecklistError(f"{path} cannot be read as YAML ({yaml_problem(error)}).") from None
    try:
        return Checklist.model_validate(content)
    except ValidationError as error:
        problems = "; ".join(
            f"{setting_path(problem)}: {problem['msg']}" for problem in error.errors()
        )
        raise ChecklistError(
            f"{path} is not a checklist ({problems}). A checklist file holds procedure, "
            "version, title, source and items, each item with id, description, doc_types and "
            "source; see 'An office's own checklists' in the README."
        ) from None


def load_checklists(extra_dir: Path | None = None) -> dict[str, Checklist]:
    """The bundled checklists, with an office's overrides from `extra_dir` applied. Raises
    ChecklistError for a folder or file that cannot be used."""
    bundled = resources.files("schemas") / "data" / "checklists"
    checklists: dict[str, Checklist] = {}
    for entry in sorted(bundled.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            with resources.as_file(entry) as path:
                checklist = _read(path)
            checklists[checklist.procedure] = checklist
    if extra_dir is not None:
        try:
            paths = sorted(p for p in Path(extra_dir).iterdir() if p.suffix in (".yaml", ".yml"))
        except OSError as error:  # missing, a file, or not readable
            raise ChecklistError(
                f"{extra_dir} cannot be listed ({error.strerror}): --checklists takes a folder "
                "of checklist YAML files."
            ) from None
        if not paths:
            raise ChecklistError(
                f"{extra_dir} holds no .yaml or .yml file: nothing to add or override."
            )
        for path in paths:
            override = _read(path)
            base = checklists.get(override.procedure)
            checklists[override.procedure] = base.merged_with(override) if base else override
    return checklists
