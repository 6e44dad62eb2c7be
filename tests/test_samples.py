"""The synthetic documents and cases: their ground truth must be right (valid check digits,
contract field names, faults that really are faults), generation must repeat for a seed, and
the renderings must be realistic enough for real OCR to read."""

from __future__ import annotations

import difflib
import hashlib
import json
import random
import re
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from pipeline.ocr import default_engine
from samples.cases import FAULTS, choose_fault, plan_case
from samples.degrade import PROFILES, degrade, with_print_gain
from samples.documents.ed_card import render_ed_card
from samples.documents.passport import (
    MrzData,
    check_digit,
    mrz_name,
    render_mrz_document,
    render_passport,
    td3_lines,
)
from samples.documents.residence_card import (
    japanese_period,
    render_card_back,
    render_card_front,
)
from samples.generate import SAMPLES_MARKER, NotOurFolder, generate_samples, write_case
from samples.identity import random_identity
from schemas.checklist import load_checklists
from schemas.reference import Period, status_table
from schemas.report import CONTRACT_FIELDS, DOC_TYPES, PROCEDURE_IDS

AS_OF = date(2026, 11, 23)
CARD_NUMBER = re.compile(r"^[A-Z]{2}\d{8}[A-Z]{2}$")
# Contract field names; a form carries only those its procedure asks for, so it is left out.
EXACT_FIELDS = {
    doc_type: set(names)
    for doc_type, names in CONTRACT_FIELDS.items()
    if doc_type != "application_form"
}
# Checklist item -> the DocumentPlan kinds that satisfy it.
ITEM_KINDS = {
    "passport": {"passport"},
    "residence_card": {"card_front"},
    "photo": {"photo"},
    "reentry_ed_card": {"ed_card"},
    "application_form": {"form"},
    "reason_materials": {"reason_document", "reference_materials"},
}
FORM_FIELDS = set(CONTRACT_FIELDS["application_form"])


def _valid_td3(line1: str, line2: str) -> bool:
    """Every check digit of a TD3 MRZ, recomputed from the ICAO rule itself."""

    def digit(text: str) -> str:
        values = [int(c) if c.isdigit() else ord(c) - 55 if c.isalpha() else 0 for c in text]
        return str(sum(v * (7, 3, 1)[i % 3] for i, v in enumerate(values)) % 10)

    optional_ok = line2[42] == digit(line2[28:42]) or (
        line2[28:42] == "<" * 14 and line2[42] in "<0"
    )
    return (
        len(line1) == len(line2) == 44
        and line2[9] == digit(line2[0:9])
        and line2[19] == digit(line2[13:19])
        and line2[27] == digit(line2[21:27])
        and optional_ok
        and line2[43] == digit(line2[0:10] + line2[13:20] + line2[21:43])
    )


def test_td3_matches_the_icao_specimen() -> None:
    data = MrzData(
        "P",
        "UTO",
        "ERIKSSON",
        "ANNA MARIA",
        "L898902C3",
        "UTO",
        date(1974, 8, 12),
        "F",
        date(2012, 4, 15),
        "ZE184226B",
    )
    assert td3_lines(data) == (
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    )
    assert check_digit("520727") == "3"  # ICAO 9303 part 3 worked example


def test_print_gain_thickens_and_thins_strokes_without_moving_them() -> None:
    page = Image.new("RGB", (200, 100), "white")
    page.paste((0, 0, 0), (50, 40, 150, 46))  # a stroke 6 px thick
    ink = {gain: np.asarray(with_print_gain(page, gain).convert("L")) < 128 for gain in (-1, 0, 1)}
    assert ink[0].sum(axis=0)[100] == 6
    assert ink[1].sum(axis=0)[100] == 8 and ink[-1].sum(axis=0)[100] == 4
    assert ink[1][43, 100] and ink[-1][43, 100]  # same place, only thicker or thinner


def test_long_names_are_truncated_keeping_the_surname() -> None:
    field = mrz_name("FERNANDES DE ALBUQUERQUE CAVALCANTI", "MARIA EDUARDA LUIZA", 39)
    assert len(field) == 39
    assert field.startswith("FERNANDES<DE<ALBUQUERQUE<CAVALCANTI<<M")
    assert field[-1] != "<"  # a truncated field ends in a letter
    assert mrz_name("LEE", "MINJI", 39) == "LEE<<MINJI".ljust(39, "<")


@pytest.mark.parametrize("seed", range(12))
def test_generated_identities_are_valid_on_the_day(seed: int) -> None:
    identity = random_identity(random.Random(seed), AS_OF)
    assert CARD_NUMBER.match(identity.card_number)
    assert re.fullmatch(r"[A-Z0-9]{9}", identity.passport_number)
    assert identity.passport_expiry > AS_OF and identity.card_valid_until > AS_OF
    assert identity.date_of_birth < AS_OF
    status = status_table().by_name(identity.status)
    assert status is not None
    if identity.stay_expiry is None:
        assert status.unlimited and identity.period_of_stay == ""
    else:
        assert identity.stay_expiry > AS_OF
        assert status.allows(Period.parse(identity.period_of_stay))


@pytest.mark.parametrize("seed", range(6))
def test_passport_truth_has_valid_check_digits_and_contract_fields(seed: int) -> None:
    identity = random_identity(random.Random(seed), AS_OF)
    rendered = render_passport(identity, random.Random(seed))
    line1, line2 = rendered.fields["_mrz"]
    assert _valid_td3(line1, line2)
    assert {k for k in rendered.fields if not k.startswith("_")} == EXACT_FIELDS["passport"]
    assert rendered.fields["document_number"] == identity.passport_number
    assert rendered.fields["date_of_expiry"] == identity.passport_expiry.isoformat()
    assert identity.surname.startswith(str(rendered.fields["surname"]))
    width_mm = rendered.image.width / (rendered.image.height / 88)
    assert abs(width_mm - 125) < 1  # TD3 proportions


@pytest.mark.parametrize(
    ("kind", "lines", "width"), [("TD1", 3, 30), ("TD2", 2, 36), ("MRVA", 2, 44), ("MRVB", 2, 36)]
)
def test_other_mrz_documents_have_their_format(kind: str, lines: int, width: int) -> None:
    identity = random_identity(random.Random(1), AS_OF)
    rendered = render_mrz_document(kind, identity, random.Random(2))
    mrz = rendered.fields["_mrz"]
    assert rendered.fields["mrz_type"] == kind
    assert len(mrz) == lines and all(len(line) == width for line in mrz)
    number_line = mrz[0] if kind == "TD1" else mrz[1]
    start = 5 if kind == "TD1" else 0
    assert number_line[start + 9] == check_digit(number_line[start : start + 9])


def test_real_ocr_reads_the_rendered_mrz() -> None:
    """Realism: Tesseract's stock English model, on a clean rendering, gets the data line
    and the name nearly right (fillers it may misread, as it does on real passports)."""
    engine = default_engine()
    line_scores, name_scores = [], []
    for seed in range(4):
        identity = random_identity(random.Random(seed), AS_OF)
        rendered = render_passport(identity, random.Random(seed))
        pixels = np.asarray(rendered.image.convert("L"))
        zone = pixels[int(pixels.shape[0] * 0.72) :, :]
        result = engine.read(
            zone, lang="eng", psm=6, whitelist="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"
        )
        read = [line.text.replace(" ", "") for line in result.lines if len(line.text) > 20]
        assert len(read) == 2
        line1, line2 = rendered.fields["_mrz"]
        line_scores.append(difflib.SequenceMatcher(None, line2, read[1]).ratio())
        name = line1.rstrip("<")
        name_scores.append(difflib.SequenceMatcher(None, name, read[0][: len(name)]).ratio())
    assert np.mean(line_scores) >= 0.9
    assert np.mean(name_scores) >= 0.85


def test_card_front_truth() -> None:
    identity = random_identity(random.Random(5), AS_OF)
    rendered = render_card_front(identity, random.Random(5))
    assert set(rendered.fields) == EXACT_FIELDS["residence_card_front"]
    assert rendered.fields["card_number"] == identity.card_number
    assert rendered.fields["period_of_stay"] == japanese_period(identity.period_of_stay)
    ratio = rendered.image.width / rendered.image.height
    assert abs(ratio - 85.60 / 53.98) < 0.01
    assert rendered.image.width / 85.60 >= 12  # px per mm
    malformed = render_card_front(identity, random.Random(5), card_number="AB1234567CD")
    assert malformed.fields["card_number"] == "AB1234567CD"
    back = render_card_back(
        identity, random.Random(5), application_pending=True, permission_outside_status=False
    )
    assert back.fields == {"application_pending": True, "permission_outside_status": False}


def test_japanese_periods() -> None:
    assert japanese_period("3y") == "3年"
    assert japanese_period("1y6m") == "1年6月"
    assert japanese_period("") == "無期限"


@pytest.mark.parametrize("mark", ["check", "x", "fill"])
def test_ed_card_tick_is_a_small_mark_and_the_only_difference(mark: str) -> None:
    identity = random_identity(random.Random(8), AS_OF)
    ticked = render_ed_card(identity, random.Random(8), ticked=True, mark=mark)
    blank = render_ed_card(identity, random.Random(8), ticked=False, mark=mark)
    assert ticked.fields["reentry_intent"] is True and blank.fields["reentry_intent"] is False
    difference = np.any(np.asarray(ticked.image) != np.asarray(blank.image), axis=2)
    rows, columns = np.nonzero(difference)
    assert rows.size > 0
    box_area = (np.ptp(rows) + 1) * (np.ptp(columns) + 1)
    assert box_area < 0.01 * difference.size


@pytest.mark.parametrize("profile", PROFILES)
def test_degradations_change_pixels_but_keep_size_sane(profile: str) -> None:
    identity = random_identity(random.Random(3), AS_OF)
    original = render_passport(identity, random.Random(3)).image
    degraded, applied = degrade(original, random.Random(4), profile=profile)
    assert applied
    assert degraded.mode == "RGB"
    longest, original_longest = max(degraded.size), max(original.size)
    assert 0.4 * original_longest <= longest <= 2.0 * original_longest
    if degraded.size == original.size:
        assert not np.array_equal(np.asarray(degraded), np.asarray(original))
    if profile == "rotated":
        turn = next(int(a.split(":")[1]) for a in applied if a.startswith("rotate:"))
        portrait = degraded.height > degraded.width
        assert portrait == (turn in (90, 270))
    if profile == "scan150":
        assert longest < 0.6 * original_longest


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_fault_is_really_in_the_case(fault: str) -> None:
    for procedure in FAULTS[fault].procedures:
        plan = plan_case("x", procedure, AS_OF, random.Random(11), fault=fault)
        assert plan.verdict == "incomplete"
        assert plan.findings == list(FAULTS[fault].findings)
        identity = plan.identity
        kinds = [d.kind for d in plan.documents]
        answers = next((d.options["answers"] for d in plan.documents if d.kind == "form"), {})
        if fault == "passport_expired":
            assert identity.passport_expiry < AS_OF
        elif fault == "card_expired":
            assert identity.stay_expiry is not None and identity.stay_expiry < AS_OF
            assert identity.card_valid_until < AS_OF
        elif fault == "card_number_invalid":
            assert not CARD_NUMBER.match(identity.card_number)
        elif fault == "ed_not_ticked":
            assert next(d for d in plan.documents if d.kind == "ed_card").options["ticked"] is False
        elif fault == "missing_item":
            items = {i.id for i in load_checklists()[procedure].items}
            assert len(plan.missing) == 1 and plan.missing[0] in items
            assert not ITEM_KINDS.get(plan.missing[0], {plan.missing[0]}) & set(kinds)
        elif fault in {"name_mismatch", "passport_number_mismatch"}:
            odd = next(d for d in plan.documents if d.kind in {"ed_card", "form"})
            assert odd.identity != identity
            assert (odd.identity.name != identity.name) == (fault == "name_mismatch")
        elif fault == "period_not_allowed":
            status = status_table().by_name(identity.status)
            assert status is not None
            assert not status.allows(Period.parse(answers["requested_period"]))
        elif fault == "status_not_eligible":
            assert answers["status_of_residence"] in {"Temporary Visitor", "Permanent Resident"}
        elif fault == "return_after_deadline":
            assert plan.case_yaml["planned_return"] > min(
                identity.stay_expiry or date.max,
                plan.case_yaml["planned_departure"].replace(
                    year=plan.case_yaml["planned_departure"].year + 1
                ),
            )
        elif fault == "deposit_too_high":
            assert answers["deposit_amount"] > 3_000_000
        elif fault == "departure_condition_not_met":
            assert not all(answers["departure_conditions"])


def test_clean_cases_hold_every_required_item_and_valid_documents() -> None:
    for number, procedure in enumerate(PROCEDURE_IDS):
        plan = plan_case("x", procedure, AS_OF, random.Random(number), fault=None)
        assert plan.verdict == "complete" and not plan.missing and not plan.findings
        kinds = {d.kind for d in plan.documents}
        for item in load_checklists()[procedure].items:
            if item.required:
                assert ITEM_KINDS.get(item.id, {item.id}) & kinds
        if "passport" in kinds:
            assert plan.identity.passport_expiry > AS_OF
        if "card_front" in kinds:
            assert plan.identity.card_valid_until > AS_OF
        if procedure == "special_reentry":
            ed = next(d for d in plan.documents if d.kind == "ed_card")
            assert ed.options["ticked"] is True


def test_about_half_of_the_cases_are_faulty() -> None:
    rng = random.Random(0)
    faults = [choose_fault(PROCEDURE_IDS[i % 7], rng) for i in range(400)]
    share = sum(f is not None for f in faults) / len(faults)
    assert 0.4 < share < 0.6


def _digest(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    out = tmp_path_factory.mktemp("samples") / "a"
    return out, generate_samples(out, seed=5, cases=7, as_of=AS_OF)


def test_generation_repeats_for_a_seed(
    generated: tuple[Path, list[dict[str, Any]]], tmp_path: Path
) -> None:
    first, truths = generated
    again = generate_samples(tmp_path / "b", seed=5, cases=7, as_of=AS_OF)
    assert again == truths
    assert _digest(first) == _digest(tmp_path / "b")


def test_generated_cases_cover_every_procedure_with_consistent_truth(
    generated: tuple[Path, list[dict[str, Any]]],
) -> None:
    out, truths = generated
    assert {t["procedure"] for t in truths} == set(PROCEDURE_IDS)
    for truth in truths:
        folder = out / truth["case_id"]
        assert json.loads((folder / "truth.json").read_text("utf-8")) == truth
        if truth["faults"]:
            assert truth["verdict"] == "incomplete"
        else:  # a card lapsing abroad is the one warning a case with no fault may draw
            lapses = "RESIDENCE_CARD_EXPIRED" in truth["findings"]
            assert truth["verdict"] == ("needs_review" if lapses else "complete")
        assert truth["as_of"] == AS_OF.isoformat()
        if not (folder / "case.yaml").exists():
            assert any(d["doc_type"] == "application_form" for d in truth["documents"])
        for document in truth["documents"]:
            path = folder / document["file"]
            assert path.is_file()
            assert document["doc_type"] in DOC_TYPES
            fields = {k for k in document["fields"] if not k.startswith("_")}
            if document["doc_type"] in EXACT_FIELDS:
                assert fields == EXACT_FIELDS[document["doc_type"]]
            if document["doc_type"] == "passport":
                assert _valid_td3(*document["fields"]["_mrz"])
            if document["doc_type"] == "application_form" and fields:
                assert document["fields"]["form"] == truth["procedure"]
                assert fields >= FORM_FIELDS & fields
            if path.suffix in {".jpg", ".png", ".tif"}:
                with Image.open(path) as image:
                    assert document["page"] <= getattr(image, "n_frames", 1)


def test_truth_documents_match_the_checklist(
    generated: tuple[Path, list[dict[str, Any]]],
) -> None:
    """A case's documents are the checklist's items, minus what the truth says is missing."""
    _, truths = generated
    item_types = {
        "passport": {"passport"},
        "residence_card": {"residence_card_front"},
        "reentry_ed_card": {"reentry_ed_card"},
        "application_form": {"application_form"},
        "photo": {"photo"},
        "reason_materials": {"reason_document", "reference_materials"},
    }
    for truth in truths:
        present = {d["doc_type"] for d in truth["documents"]}
        for item in load_checklists()[truth["procedure"]].items:
            if not item.required:
                continue
            found = bool(item_types.get(item.id, {item.id}) & present)
            assert found == (item.id not in truth["missing"]), (truth["case_id"], item.id)


def test_mismatched_documents_disagree_in_their_truth(tmp_path: Path) -> None:
    """The FIELD_MISMATCH fault shows in the ground truth of the rendered documents."""
    plan = plan_case("m", "special_reentry", AS_OF, random.Random(2), fault="name_mismatch")
    truth = write_case(tmp_path, plan, random.Random(2), {"clean": 1.0})
    by_type = {d["doc_type"]: d["fields"] for d in truth["documents"]}
    passport, ed_card = by_type["passport"], by_type["reentry_ed_card"]
    assert f"{passport['surname']} {passport['given_names']}" == plan.identity.name
    assert ed_card["name"] != plan.identity.name
    assert ed_card["passport_number"] == passport["document_number"]


def test_samples_command_draws_only_from_the_profiles_asked_for(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from flows.cli import app

    runner = CliRunner()
    done = runner.invoke(app, ["samples", str(tmp_path), "--cases", "3", "--profile", "clean"])
    assert done.exit_code == 0, done.output
    steps = {
        step.split(":")[0]
        for truth_file in tmp_path.glob("*/truth.json")
        for document in json.loads(truth_file.read_text("utf-8"))["documents"]
        for step in document["degradations"]
    }
    assert steps and not steps & {"desk", "perspective", "rotate", "motion_blur", "jpeg"}
    refused = runner.invoke(app, ["samples", str(tmp_path / "x"), "--profile", "blurry"])
    assert refused.exit_code == 2
    assert not (tmp_path / "x").exists()


def test_a_trip_past_the_passport_expiry_is_in_the_truth() -> None:
    """The verifier notes a passport that runs out abroad (PASSPORT_EXPIRED, info), so the
    truth of a case planned that way must expect it, fault or not."""
    outlasting = 0
    for seed in range(40):
        plan = plan_case("c", "reentry_permit", AS_OF, random.Random(seed), fault=None)
        form = next(d for d in plan.documents if d.kind == "form")
        runs_out = plan.identity.passport_expiry < form.options["answers"]["date_of_reentry"]
        outlasting += runs_out
        assert ("PASSPORT_EXPIRED" in plan.findings) == runs_out
    assert 0 < outlasting < 40


def test_a_trip_past_the_card_validity_is_in_the_truth() -> None:
    """The verifier warns of a card that lapses abroad while the stay outlasts it
    (RESIDENCE_CARD_EXPIRED), so such a case's truth expects the warning and a review."""
    lapsing = 0
    for seed in range(60):
        plan = plan_case("c", "reentry_permit", AS_OF, random.Random(seed), fault=None)
        form = next(d for d in plan.documents if d.kind == "form")
        identity = plan.identity
        lapses = identity.card_valid_until < form.options["answers"]["date_of_reentry"] and (
            identity.stay_expiry is None or identity.stay_expiry > identity.card_valid_until
        )
        lapsing += lapses
        assert ("RESIDENCE_CARD_EXPIRED" in plan.findings) == lapses
        assert plan.verdict == ("needs_review" if lapses else "complete")
    assert 0 < lapsing < 60


def test_generating_again_into_a_folder_leaves_only_the_new_cases_files(tmp_path: Path) -> None:
    generate_samples(tmp_path, seed=1, cases=1, as_of=date(2026, 11, 23))
    (truth,) = generate_samples(tmp_path, seed=2, cases=1, as_of=date(2026, 11, 23))
    written = {p.name for p in (tmp_path / truth["case_id"]).iterdir()}
    listed = {document["file"] for document in truth["documents"]}
    sidecars = {"truth.json", SAMPLES_MARKER}
    if truth["procedure_source"] == "case.yaml":
        sidecars.add("case.yaml")
    assert written == listed | sidecars


def test_a_folder_samples_did_not_write_is_refused_and_kept(tmp_path: Path) -> None:
    # An office's own labelled cases carry a truth.json too: that is no proof either.
    (tmp_path / "c002").mkdir()
    (tmp_path / "c002" / "passport.jpg").write_bytes(b"a real scan")
    (tmp_path / "c002" / "truth.json").write_text("{}")
    with pytest.raises(NotOurFolder):
        generate_samples(tmp_path, seed=1, cases=2, as_of=date(2026, 11, 23))
    assert (tmp_path / "c002" / "passport.jpg").read_bytes() == b"a real scan"
    assert not (tmp_path / "c001").exists(), "nothing is written before every folder is checked"


def test_a_case_folder_left_by_an_interrupted_run_is_written_again(tmp_path: Path) -> None:
    (tmp_path / "c001").mkdir()
    (tmp_path / "c001" / SAMPLES_MARKER).touch()
    (tmp_path / "c001" / "half.jpg").write_bytes(b"cut short")
    generate_samples(tmp_path, seed=1, cases=1, as_of=date(2026, 11, 23))
    assert not (tmp_path / "c001" / "half.jpg").exists()
    assert (tmp_path / "c001" / "truth.json").is_file()
