"""Render planned cases into inbox folders with their ground truth: each document degraded
as it would arrive, packed into the file formats people send (JPEG, PNG, TIFF bundles, fillable,
flat and scanned PDFs), under the file names people give."""

from __future__ import annotations

import io
import json
import random
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from PIL import Image
from pypdf import PdfReader
from reportlab import rl_config

from samples.cases import LETTER_KINDS, CasePlan, DocumentPlan, choose_fault, plan_case
from samples.degrade import PROFILES, degrade
from samples.documents import Rendered
from samples.documents.ed_card import render_ed_card
from samples.documents.forms import FormAnswers, form_page_images, render_form
from samples.documents.letters import render_letter
from samples.documents.passport import render_passport
from samples.documents.photo import render_photo
from samples.documents.residence_card import render_card_back, render_card_front
from schemas.report import PROCEDURE_IDS

# The day synthetic cases are judged against unless told otherwise: fixed, so the same seed
# renders the same cases (and the same truth) whatever day it is run.
SAMPLES_AS_OF = date(2026, 11, 23)

_DOC_TYPES = {
    "passport": "passport",
    "card_front": "residence_card_front",
    "card_back": "residence_card_back",
    "ed_card": "reentry_ed_card",
    "photo": "photo",
    "form": "application_form",
    **{kind: kind for kind in LETTER_KINDS},
}
# What people call their files, by document kind; generic names are mixed in.
_NAMES = {
    "passport": ("passport", "passport_datapage", "Passport scan"),
    "card_front": ("residence_card", "zairyu_card_front", "card_front"),
    "card_back": ("residence_card_back", "zairyu_card_back", "card_back"),
    "ed_card": ("ed_card", "embarkation_card", "reentry_card"),
    "photo": ("photo", "id_photo", "face_photo"),
    "form": ("application_form", "application", "form"),
    "letter_of_guarantee": ("letter_of_guarantee", "guarantee"),
    "written_oath": ("written_oath", "oath"),
    "reference_materials": ("reference_materials", "references"),
    "reason_document": ("reason_document", "reasons"),
    "bundle": ("documents", "scans", "bundle"),
}
_FORM_SCAN_DPI = {"clean": 200, "scan150": 300, "phone": 200, "rotated": 200}
DEFAULT_PROFILES: Mapping[str, float] = {
    "clean": 0.35,
    "scan150": 0.3,
    "phone": 0.2,
    "rotated": 0.15,
}
# How single scanned pages are saved; phone photos are always JPEG.
DEFAULT_FORMATS: Mapping[str, float] = {"JPEG": 0.6, "PNG": 0.25, "TIFF": 0.15}


@dataclass
class _Page:
    """The truth about one page of a written file."""

    doc_type: str
    fields: dict[str, Any]
    degradations: list[str] = field(default_factory=list)


@dataclass
class _File:
    """One file of the case and the truth of each of its pages."""

    name: str
    data: bytes
    pages: list[_Page]


def _json_value(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _truth_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _json_value(value) for name, value in fields.items()}


def _render_image(plan: DocumentPlan, rng: random.Random) -> Rendered:
    match plan.kind:
        case "passport":
            return render_passport(plan.identity, rng)
        case "card_front":
            return render_card_front(plan.identity, rng)
        case "card_back":
            return render_card_back(plan.identity, rng, **plan.options)
        case "ed_card":
            return render_ed_card(plan.identity, rng, **plan.options)
        case "photo":
            return render_photo(plan.identity, rng)
        case kind if kind in LETTER_KINDS:
            return render_letter(kind, plan.identity, rng)
    raise ValueError(f"not an image document: {plan.kind!r}")


def _pick_profile(profiles: Mapping[str, float], rng: random.Random) -> str:
    names = list(profiles)
    return rng.choices(names, weights=[profiles[n] for n in names])[0]


class _Namer:
    """File names unique within a case: descriptive ones, and the generic names scanners
    and phones give."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()
        self.counter = rng.randint(1, 4000)

    def name(self, kind: str, extension: str, *, phone: bool = False) -> str:
        self.counter += self.rng.randint(1, 3)
        if self.rng.random() < 0.55:
            stem = self.rng.choice(_NAMES.get(kind, (kind,)))
        elif phone:
            stem = f"IMG_{self.counter:04d}"
        else:
            stem = f"scan_{self.counter:04d}"
        candidate = f"{stem}{extension}"
        number = 2
        while candidate.lower() in self.used:
            candidate = f"{stem} ({number}){extension}"
            number += 1
        self.used.add(candidate.lower())
        return candidate


def _encode(image: Image.Image, fmt: str, rng: random.Random) -> bytes:
    buffer = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(buffer, "JPEG", quality=rng.randint(82, 90), optimize=True)
    else:
        # Scanners set to grayscale save a third of the data; readers must take both.
        if rng.random() < 0.5:
            image = image.convert("L")
        if fmt == "PNG":
            image.save(buffer, "PNG")
        else:
            image.save(buffer, "TIFF", compression="tiff_deflate")
    return buffer.getvalue()


def _bundle(images: Sequence[Image.Image], fmt: str, created: date) -> bytes:
    """A multi-page TIFF or a scanned multi-page PDF of several documents. PDFs are dated
    `created` rather than now, so that a seed always gives the same bytes."""
    buffer = io.BytesIO()
    first, rest = images[0].convert("RGB"), [i.convert("RGB") for i in images[1:]]
    if fmt == "PDF":
        stamp = created.timetuple()
        first.save(
            buffer,
            "PDF",
            save_all=True,
            append_images=rest,
            resolution=200.0,
            creationDate=stamp,
            modDate=stamp,
        )
    else:
        first.save(buffer, "TIFF", save_all=True, append_images=rest, compression="tiff_jpeg")
    return buffer.getvalue()


_EXTENSIONS = {"JPEG": ".jpg", "PNG": ".png", "TIFF": ".tif", "PDF": ".pdf"}


def _image_format(profile: str, formats: Mapping[str, float], rng: random.Random) -> str:
    if profile == "phone":
        return "JPEG"
    names = list(formats)
    return rng.choices(names, weights=[formats[n] for n in names])[0]


def _form_files(
    plan: DocumentPlan,
    case: CasePlan,
    profiles: Mapping[str, float],
    formats: Mapping[str, float],
    rng: random.Random,
    namer: _Namer,
) -> list[_File]:
    answers = FormAnswers(**plan.options["answers"])
    rendering = render_form(case.procedure, plan.identity, answers, rng)
    truth = _truth_fields(rendering.fields)
    mode = rng.choices(["fillable", "flat", "scanned"], weights=[0.35, 0.2, 0.45])[0]
    if plan.profile is not None:
        mode = "scanned"
    if mode in {"fillable", "flat"}:
        data = rendering.pdf_fillable if mode == "fillable" else rendering.pdf_flat
        pages = [
            _Page("application_form", truth if number == 0 else {}, [f"pdf_{mode}"])
            for number in range(len(PdfReader(io.BytesIO(data)).pages))
        ]
        return [_File(namer.name("form", ".pdf"), data, pages)]
    profile = plan.profile or _pick_profile(profiles, rng)
    dpi = _FORM_SCAN_DPI[profile]
    pages, images = [], []
    for number, image in enumerate(form_page_images(rendering.pdf_flat, dpi=dpi)):
        degraded, applied = degrade(image, rng, profile=profile)
        images.append(degraded)
        pages.append(
            _Page("application_form", truth if number == 0 else {}, [f"printed:{dpi}dpi", *applied])
        )
    if len(pages) > 1 or rng.random() < 0.3:
        fmt = rng.choice(["PDF", "TIFF"])
        data = _bundle(images, fmt, case.as_of)
        return [_File(namer.name("form", _EXTENSIONS[fmt]), data, pages)]
    fmt = _image_format(profile, formats, rng)
    name = namer.name("form", _EXTENSIONS[fmt], phone=profile == "phone")
    return [_File(name, _encode(images[0], fmt, rng), pages)]


@dataclass
class _Scan:
    kind: str
    page: _Page
    image: Image.Image
    profile: str


def _case_files(
    plan: CasePlan,
    profiles: Mapping[str, float],
    formats: Mapping[str, float],
    rng: random.Random,
) -> list[_File]:
    namer = _Namer(rng)
    files: list[_File] = []
    scans: list[_Scan] = []
    for document in plan.documents:
        if document.kind == "form":
            files += _form_files(document, plan, profiles, formats, rng, namer)
            continue
        rendered = _render_image(document, rng)
        profile = document.profile or _pick_profile(profiles, rng)
        image, applied = degrade(rendered.image, rng, profile=profile)
        page = _Page(_DOC_TYPES[document.kind], _truth_fields(rendered.fields), applied)
        scans.append(_Scan(document.kind, page, image, profile))

    # Scanners often put several documents into one file; phone photos stay single.
    scanner = [number for number, scan in enumerate(scans) if scan.profile != "phone"]
    bundled: list[int] = []
    if len(scanner) >= 2 and rng.random() < 0.3:
        bundled = sorted(rng.sample(scanner, rng.randint(2, len(scanner))))
        fmt = rng.choice(["TIFF", "PDF"])
        files.append(
            _File(
                namer.name("bundle", _EXTENSIONS[fmt]),
                _bundle([scans[n].image for n in bundled], fmt, plan.as_of),
                [scans[n].page for n in bundled],
            )
        )
    for number, scan in enumerate(scans):
        if number in bundled:
            continue
        fmt = _image_format(scan.profile, formats, rng)
        name = namer.name(scan.kind, _EXTENSIONS[fmt], phone=scan.profile == "phone")
        files.append(_File(name, _encode(scan.image, fmt, rng), [scan.page]))
    return files


def _case_yaml(plan: CasePlan) -> str:
    return yaml.safe_dump(plan.case_yaml, sort_keys=False, allow_unicode=True)


class NotOurFolder(ValueError):
    """OUT holds something under a case's name that docintake samples did not write."""


SAMPLES_MARKER = ".docintake-samples"
"""Written first into every case folder made here: only a folder holding it is ever emptied.
A truth.json proves nothing (an office's own labelled cases have one), and it is written
last, so a folder from an interrupted run has none."""


def _check_ours(folder: Path) -> None:
    if (folder.exists() or folder.is_symlink()) and not (folder / SAMPLES_MARKER).is_file():
        raise NotOurFolder(
            f"{folder} already exists without the mark docintake samples leaves in the case "
            "folders it writes, so it is not replaced. Give an empty folder."
        )


def _fresh_case_folder(folder: Path) -> None:
    """An empty folder for the case. One this generator wrote is emptied first: another
    seed's files left in it would be read with a truth that does not describe them."""
    _check_ours(folder)
    if folder.is_dir() and not folder.is_symlink():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / SAMPLES_MARKER).touch()


def write_case(
    out: Path,
    plan: CasePlan,
    rng: random.Random,
    profiles: Mapping[str, float],
    *,
    formats: Mapping[str, float] = DEFAULT_FORMATS,
    truth_file: bool = True,
) -> dict[str, Any]:
    """Render one planned case into `out/<case_id>/` and return its truth, also written as
    the folder's truth.json unless `truth_file` is false."""
    # reportlab stamps each PDF with the time and a random ID unless told to be invariant;
    # born-digital forms must be byte-identical for a seed like everything else.
    rl_config.invariant = 1
    folder = out / plan.case_id
    _fresh_case_folder(folder)
    files = _case_files(plan, profiles, formats, rng)
    documents: list[dict[str, Any]] = []
    for file in files:
        (folder / file.name).write_bytes(file.data)
        for number, page in enumerate(file.pages, 1):
            entry: dict[str, Any] = {
                "file": file.name,
                "page": number,
                "doc_type": page.doc_type,
                "degradations": page.degradations,
                "fields": page.fields,
            }
            if page.doc_type == "application_form" and not page.fields:
                entry["continuation"] = True
            documents.append(entry)
    if plan.write_case_yaml:
        (folder / "case.yaml").write_text(_case_yaml(plan), encoding="utf-8")
    truth = {
        "case_id": plan.case_id,
        "procedure": plan.procedure,
        "procedure_source": "case.yaml" if plan.write_case_yaml else "form_title",
        "as_of": plan.as_of.isoformat(),
        "verdict": plan.verdict,
        "missing": plan.missing,
        "findings": plan.findings,
        "faults": [plan.fault] if plan.fault else [],
        "documents": documents,
    }
    if truth_file:
        (folder / "truth.json").write_text(
            json.dumps(truth, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    return truth


def case_rng(seed: int, index: int) -> random.Random:
    """Each case its own stream, so one case can be regenerated without the others."""
    return random.Random(f"docintake-samples:{seed}:{index}")


def generate_samples(
    out: Path,
    *,
    seed: int,
    cases: int,
    as_of: date,
    profiles: Mapping[str, float] | Sequence[str] = DEFAULT_PROFILES,
) -> list[dict[str, Any]]:
    """`cases` case folders under `out`, the procedures taken in turn, about half of them with
    one deliberate fault; returns their truths (also written as each folder's truth.json).
    `profiles` weighs the degradation profiles, or lists them to use with equal weight."""
    weights = profiles if isinstance(profiles, Mapping) else dict.fromkeys(profiles, 1.0)
    unknown = set(weights) - set(PROFILES)
    if unknown:
        raise ValueError(f"unknown degradation profiles: {sorted(unknown)}")
    out.mkdir(parents=True, exist_ok=True)
    for index in range(cases):  # every folder checked before any is emptied
        _check_ours(out / case_id_of(index))
    return [write_nth_case(out, seed, index, as_of, weights) for index in range(cases)]


def case_id_of(index: int) -> str:
    return f"c{index + 1:03d}"


def write_nth_case(
    out: Path,
    seed: int,
    index: int,
    as_of: date,
    weights: Mapping[str, float],
    *,
    truth_file: bool = True,
) -> dict[str, Any]:
    """Case number `index` (from 0) of the set `generate_samples` makes with `seed`, alone:
    the same files, so a case a benchmark got wrong can be read again by itself."""
    rng = case_rng(seed, index)
    procedure = PROCEDURE_IDS[index % len(PROCEDURE_IDS)]
    plan = plan_case(case_id_of(index), procedure, as_of, rng, fault=choose_fault(procedure, rng))
    return write_case(out, plan, rng, weights, truth_file=truth_file)
