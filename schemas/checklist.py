"""Procedure checklists: data files, validated on load, each item citing its source.

An office adds or overrides items by putting its own YAML files in a directory passed with
`--checklists DIR`: a file for a procedure replaces items with the same id and adds the rest.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from schemas.report import DocType, ProcedureId


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
    with path.open(encoding="utf-8") as handle:
        return Checklist.model_validate(yaml.safe_load(handle))


def load_checklists(extra_dir: Path | None = None) -> dict[str, Checklist]:
    """The bundled checklists, with an office's overrides from `extra_dir` applied."""
    bundled = resources.files("schemas") / "data" / "checklists"
    checklists: dict[str, Checklist] = {}
    for entry in sorted(bundled.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            with resources.as_file(entry) as path:
                checklist = _read(path)
            checklists[checklist.procedure] = checklist
    if extra_dir is not None:
        for path in sorted(Path(extra_dir).glob("*.yaml")):
            override = _read(path)
            base = checklists.get(override.procedure)
            checklists[override.procedure] = base.merged_with(override) if base else override
    return checklists
