from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from pipeline.forms import form_procedure
from schemas.checklist import ChecklistError, load_checklists
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


def test_the_readme_example_adds_an_item(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```yaml\n# office-checklists/(\S+)\n(.*?)```", readme, re.S)
    assert example is not None
    (tmp_path / example[1]).write_text(example[2], encoding="utf-8")
    checklist = load_checklists(tmp_path)["special_reentry"]
    assert {"passport", "residence_card", "reentry_ed_card", "photo"} <= {
        item.id for item in checklist.items
    }


@pytest.mark.parametrize(
    ("content", "told"),
    [
        ("procedure: special_reentry\nitems: [\n", "cannot be read as YAML (line 3, column 1"),
        # An override with items only: the file must say what it is and where it comes from.
        (
            "procedure: special_reentry\nitems:\n"
            "  - {id: photo, description: A photo, doc_types: [photo], source: rule 3}\n",
            "version: Field required",
        ),
        ("- just\n- a list\n", "is not a checklist"),
    ],
)
def test_a_checklist_file_that_cannot_be_used_is_named_with_what_is_wrong(
    tmp_path: Path, content: str, told: str
) -> None:
    (tmp_path / "office.yaml").write_text(content, encoding="utf-8")
    with pytest.raises(ChecklistError, match=r"office\.yaml") as raised:
        load_checklists(tmp_path)
    assert told in str(raised.value)


def test_a_checklist_folder_that_is_missing_or_empty_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ChecklistError, match="cannot be listed"):
        load_checklists(tmp_path / "nope")
    (tmp_path / "notes.txt").write_text("not a checklist", encoding="utf-8")
    with pytest.raises(ChecklistError, match="cannot be listed"):
        load_checklists(tmp_path / "notes.txt")
    with pytest.raises(ChecklistError, match=r"holds no \.yaml or \.yml file"):
        load_checklists(tmp_path)


def test_run_stops_with_exit_code_2_before_reading_when_the_checklists_are_bad(
    tmp_path: Path,
) -> None:
    inbox = tmp_path / "inbox"
    (inbox / "c1").mkdir(parents=True)
    (inbox / "c1" / "scan.jpg").write_bytes(b"not read")
    (tmp_path / "office").mkdir()
    (tmp_path / "office" / "broken.yaml").write_text("items: [\n", encoding="utf-8")
    done = CliRunner().invoke(
        app,
        [
            "run",
            str(inbox),
            "--out",
            str(tmp_path / "out"),
            "--checklists",
            str(tmp_path / "office"),
        ],
    )
    assert done.exit_code == 2
    assert "broken.yaml" in done.output
    assert not (tmp_path / "out").exists()


def test_yml_files_are_checklists_too(tmp_path: Path) -> None:
    (tmp_path / "office.yml").write_text(
        "procedure: special_reentry\nversion: 2\ntitle: Ours\nsource: office\nitems:\n"
        "  - {id: photo, description: A photo, doc_types: [photo], source: office rule 3}\n",
        encoding="utf-8",
    )
    assert "photo" in {item.id for item in load_checklists(tmp_path)["special_reentry"].items}
