from __future__ import annotations

from pathlib import Path

from pipeline.forms import form_procedure
from schemas.checklist import load_checklists
from schemas.report import PROCEDURE_IDS


def test_every_procedure_has_a_checklist_whose_items_cite_a_source() -> None:
    checklists = load_checklists()
    assert set(checklists) == set(PROCEDURE_IDS)
    for checklist in checklists.values():
        assert checklist.items and all(item.source.strip() for item in checklist.items)


def test_an_office_overrides_items_and_adds_its_form_titles(tmp_path: Path) -> None:
    (tmp_path / "office.yaml").write_text(
        "procedure: extension_of_stay\n"
        "version: 7\n"
        "title: Extension (our office)\n"
        'form_titles: ["REQUEST TO PROLONG THE STAY"]\n'
        "source: office practice\n"
        "items:\n"
        "  - {id: photo, description: Two photos, doc_types: [photo], source: office rule 3}\n"
        "  - {id: tax_certificate, description: Tax certificate, doc_types: [reference_materials],"
        " source: office rule 4}\n",
        encoding="utf-8",
    )
    checklists = load_checklists(tmp_path)
    merged = checklists["extension_of_stay"]
    items = {item.id: item for item in merged.items}
    assert merged.version == 7
    assert items["photo"].description == "Two photos"
    assert "tax_certificate" in items and "passport" in items
    assert "REQUEST TO PROLONG THE STAY" in merged.form_titles
    assert "EXTENSION OF PERIOD OF STAY" in merged.form_titles
    procedure, _ = form_procedure("REQUEST TO PROLONG THE STAY", checklists=checklists)
    assert procedure == "extension_of_stay"


def test_japanese_titles_name_their_procedure() -> None:
    assert form_procedure("再入国許可申請書 APPLICATION")[0] == "reentry_permit"
    assert form_procedure("在留期間更新許可申請書")[0] == "extension_of_stay"
