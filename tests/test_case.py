from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from pipeline.case import (
    RunSettings,
    build_report,
    case_fingerprint,
    discover_cases,
    is_up_to_date,
    mark_done,
    resolve_procedure,
)
from pipeline.errors import UsageError
from schemas.report import DocumentReport, ExtractedField


def _touch(path: Path, content: bytes = b"x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def test_subfolders_and_loose_files_are_cases(tmp_inbox: Path) -> None:
    _touch(tmp_inbox / "c001" / "passport.jpg")
    _touch(tmp_inbox / "c001" / "nested" / "card back.png")
    _touch(tmp_inbox / "c001" / "case.yaml", b"procedure: special_reentry\n")
    _touch(tmp_inbox / "c001" / "truth.json", b"{}")
    _touch(tmp_inbox / "c001" / ".DS_Store")
    _touch(tmp_inbox / "loose scan.pdf")
    (tmp_inbox / "empty case").mkdir()
    cases = {case.case_id: case for case in discover_cases(tmp_inbox)}
    assert set(cases) == {"c001", "loose scan", "empty case"}
    assert cases["c001"].files == ["nested/card back.png", "passport.jpg"]
    assert cases["c001"].settings == {"procedure": "special_reentry"}
    assert cases["loose scan"].files == ["loose scan.pdf"]
    assert cases["loose scan"].root == tmp_inbox
    assert cases["empty case"].files == []


def test_links_out_of_the_inbox_are_not_followed(tmp_path: Path, tmp_inbox: Path) -> None:
    secret = _touch(tmp_path / "elsewhere" / "secret.jpg")
    _touch(tmp_inbox / "c1" / "ok.jpg")
    os.symlink(secret, tmp_inbox / "c1" / "link.jpg")
    os.symlink(secret.parent, tmp_inbox / "linked-case")
    cases = {case.case_id: case for case in discover_cases(tmp_inbox)}
    assert set(cases) == {"c1"}
    assert cases["c1"].files == ["ok.jpg"]


def test_a_missing_inbox_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        discover_cases(tmp_path / "nope")


@pytest.mark.parametrize(
    "content",
    [
        b"procedure: [unclosed\n",
        b"- a list\n",
        b"procedure: special-reentry\n",
        b"procedure: special_reentry\nplanned_departure: next week\n",
        b"Procedure: special_reentry\n",
        b"special_permanent_resident: maybe\n",
        b"special_permanent_resident: 1\n",
        b"planned_departure: 1798156800\n",  # no seconds since 1970
        b"planned_departure: 2027-01-05T10:00:00\n",
    ],
)
def test_a_bad_case_yaml_is_reported_in_its_case_only(tmp_inbox: Path, content: bytes) -> None:
    _touch(tmp_inbox / "c1" / "case.yaml", content)
    _touch(tmp_inbox / "c1" / "scan.jpg")
    _touch(tmp_inbox / "c2" / "case.yaml", b"procedure: special_reentry\n")
    bad, good = discover_cases(tmp_inbox)
    assert bad.case_file_error and "case.yaml" in bad.case_file_error
    assert bad.settings == {} and bad.files == ["scan.jpg"]
    assert good.case_file_error is None
    settings = RunSettings(as_of=date(2026, 11, 23), procedure="special_reentry")
    report = build_report(bad, [], settings)
    assert report.documents[0].file == "case.yaml" and report.documents[0].errors
    assert "UNREADABLE_FILE" in {f.code for f in report.findings}


@pytest.mark.parametrize(
    ("content", "told"),
    [
        (b"planned_departure: next week\n", "planned_departure must be a date such as"),
        (b"Procedure: special_reentry\n", "'Procedure' is no case.yaml setting"),
        (b"procedure: reentry\n", "procedure must be one of special_reentry"),
    ],
)
def test_a_bad_case_yaml_setting_is_named_with_what_to_write(
    tmp_inbox: Path, content: bytes, told: str
) -> None:
    _touch(tmp_inbox / "c1" / "case.yaml", content)
    (case,) = discover_cases(tmp_inbox)
    assert case.case_file_error is not None and told in case.case_file_error


def test_case_yaml_dates_come_through_as_dates(tmp_inbox: Path) -> None:
    _touch(tmp_inbox / "c1" / "case.yaml", b"planned_departure: '2027-01-05'\n")
    (case,) = discover_cases(tmp_inbox)
    assert case.settings == {"planned_departure": date(2027, 1, 5)}


def test_a_broken_case_yaml_is_told_as_a_settings_file_not_as_a_scan(tmp_inbox: Path) -> None:
    _touch(tmp_inbox / "c1" / "case.yaml", b"procedure: [special_reentry\n")
    (case,) = discover_cases(tmp_inbox)
    report = build_report(case, [], RunSettings(as_of=date(2026, 11, 23)))
    messages = {f.code: f.message for f in report.findings}
    assert "line 2, column 1" in messages["UNREADABLE_FILE"]
    assert "Rescan" not in messages["UNREADABLE_FILE"]
    assert "case.yaml could not be used" in messages["PROCEDURE_UNKNOWN"]


def _form(procedure: str) -> DocumentReport:
    return DocumentReport(
        file="form.pdf",
        page=1,
        sha256="0",
        doc_type="application_form",
        fields={"form": ExtractedField(value=procedure, confidence=0.9)},
    )


def test_procedure_comes_from_case_yaml_then_form_title_then_option() -> None:
    form = [_form("reentry_permit")]
    assert resolve_procedure({"procedure": "special_reentry"}, form, "departure_order") == (
        "special_reentry",
        "case.yaml",
    )
    assert resolve_procedure({}, form, "departure_order") == ("reentry_permit", "form_title")
    assert resolve_procedure({}, [], "departure_order") == ("departure_order", "option")
    assert resolve_procedure({}, [], None) == ("unknown", "none")


def test_fingerprint_follows_content_and_settings(tmp_inbox: Path, tmp_path: Path) -> None:
    _touch(tmp_inbox / "c1" / "a.jpg", b"one")
    (case,) = discover_cases(tmp_inbox)
    first = case_fingerprint(case, "settings-a")
    assert case_fingerprint(case, "settings-a") == first
    assert case_fingerprint(case, "settings-b") != first
    _touch(tmp_inbox / "c1" / "a.jpg", b"two")
    assert case_fingerprint(case, "settings-a") != first

    out = tmp_path / "out"
    assert not is_up_to_date(out, "c1", first)
    _touch(out / "c1" / "report.json", b"{}")
    assert not is_up_to_date(out, "c1", first)  # a report without its mark is redone
    mark_done(out, "c1", first)
    assert is_up_to_date(out, "c1", first)
    assert (out / "c1" / ".fingerprint").stat().st_mode & 0o077 == 0


def test_a_refused_case_yaml_makes_the_case_stale(tmp_inbox: Path) -> None:
    """A case.yaml that is refused leaves no settings, as none would: the report must still
    be made again, so that it says what is wrong with the file."""
    _touch(tmp_inbox / "c1" / "scan.jpg")
    (before,) = discover_cases(tmp_inbox)
    _touch(tmp_inbox / "c1" / "case.yaml", b"Procedure: departure_order\n")
    (after,) = discover_cases(tmp_inbox)
    assert after.settings == before.settings == {}
    assert case_fingerprint(after, "settings") != case_fingerprint(before, "settings")
