"""A peer MRZ reader on the same passport pages as ours, scored the same way.

PassportEye (installed by scripts/setup.sh, see pyproject.toml) is the best-known open MRZ
reader. Both readers get the same page pixels as loaded (turned pages included: each reader
turns them itself), both are timed alone, and both readings go through `score_passport`, the one
scoring `docintake bench --peer` and tools/mrz_bench.py share.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from pipeline.mrz import FILLER, mrz_date
from pipeline.ocr import OcrEngine
from pipeline.page import Page, PreparedPage
from schemas.reference import country_code
from schemas.report import CONTRACT_FIELDS

PEERS = ("passporteye",)
FIELDS = tuple(f for f in CONTRACT_FIELDS["passport"] if f != "mrz_valid")
# A reading called valid must have these right: they are what the check digits vouch for.
CHECKED = ("document_number", "date_of_birth", "date_of_expiry", "personal_number")

Fields = dict[str, Any]  # contract field name -> value as the report gives it
Reader = Callable[[np.ndarray], Fields]


def degradation_category(degradations: list[str]) -> str:
    """The samples profile a page's recorded degradations come from (samples/degrade.py)."""
    kinds = {step.split(":")[0] for step in degradations}
    if "rotate" in kinds:
        return "rotated"
    if "desk" in kinds:
        return "phone"
    if "scale" in kinds:
        return "scan150"
    return "clean"


def our_reader(ocr: OcrEngine, as_of: date) -> Reader:
    """docintake's passport reader on a page as loaded: it finds and turns the zone itself."""
    from pipeline.extract.passport import extract_passport

    def read(bgr: np.ndarray) -> Fields:
        gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
        page = PreparedPage(Page("page.png", 1, "0" * 64, bgr), gray, np.eye(3))
        fields = extract_passport(page, ocr, as_of=as_of)
        return {name: fields[name].value for name in fields}

    return read


def _bare(text: str) -> str | None:
    value = text.replace(FILLER, " ").strip()
    return " ".join(value.split()) or None


def _state(code: str | None) -> str | None:
    """An MRZ state code as the contract gives it: ISO alpha-3 (`D<<` is Germany)."""
    bare = (code or "").strip(FILLER)
    return country_code(bare) if bare == "D" else bare or None


def passporteye_fields(mrz: dict[str, Any] | None, as_of: date) -> Fields:
    """PassportEye's `MRZ.to_dict()` in the contract's names and value forms."""
    if not mrz or not mrz.get("mrz_type"):
        return {"mrz_valid": False}
    birth = mrz_date(mrz["date_of_birth"], birth=True, as_of=as_of)
    expiry = mrz_date(mrz["expiration_date"], birth=False, as_of=as_of)
    optional = [mrz.get(key) or "" for key in ("personal_number", "optional1", "optional2")]
    return {
        "mrz_type": mrz["mrz_type"],
        "document_number": (mrz["number"] or "").strip(FILLER) or None,
        "issuing_state": _state(mrz["country"]),
        "surname": _bare(mrz["surname"] or ""),
        "given_names": _bare(mrz["names"] or ""),
        "nationality": _state(mrz["nationality"]),
        "date_of_birth": birth.isoformat() if birth else None,
        "sex": "X" if mrz["sex"] == FILLER else mrz["sex"],
        "date_of_expiry": expiry.isoformat() if expiry else None,
        "personal_number": _bare(" ".join(optional)),
        "mrz_valid": bool(mrz.get("valid_score") == 100),
    }


def passporteye_reader(as_of: date) -> Reader:
    """PassportEye's `read_mrz` on the page as a PNG, as its users call it on a file."""
    from passporteye import read_mrz

    def read(bgr: np.ndarray) -> Fields:
        png = io.BytesIO(cv2.imencode(".png", bgr)[1].tobytes())
        mrz = read_mrz(png)
        return passporteye_fields(mrz.to_dict() if mrz is not None else None, as_of)

    return read


def peer_reader(name: str, as_of: date) -> Reader:
    if name != "passporteye":
        raise ValueError(f"unknown peer reader {name!r}; expected one of {PEERS}")
    return passporteye_reader(as_of)


@dataclass
class ReaderTally:
    """One reader's figures over one category of pages."""

    pages: int = 0
    exact: int = 0  # every MRZ field exact
    valid: int = 0  # reported valid
    wrong_valid: int = 0  # reported valid with a checked field wrong
    seconds: float = 0.0

    def as_dict(self) -> dict[str, float]:
        return {
            "pages": self.pages,
            "all_fields_exact": round(self.exact / self.pages, 4) if self.pages else 0.0,
            "valid": round(self.valid / self.pages, 4) if self.pages else 0.0,
            "wrong_but_valid": self.wrong_valid,
            "seconds_per_page": round(self.seconds / self.pages, 3) if self.pages else 0.0,
        }


def score_passport(truth: Fields, read: Fields, seconds: float, tally: ReaderTally) -> None:
    """Add one page's reading to `tally`: exact when every MRZ field equals the truth;
    wrong-but-valid when the reader called the zone valid with a checked field wrong."""
    got = {name: read.get(name) for name in FIELDS}
    tally.pages += 1
    tally.exact += got == {name: truth.get(name) for name in FIELDS}
    tally.seconds += seconds
    if read.get("mrz_valid"):
        tally.valid += 1
        tally.wrong_valid += any(got[name] != truth.get(name) for name in CHECKED)


def timed(reader: Reader, bgr: np.ndarray) -> tuple[Fields, float]:
    start = time.perf_counter()
    fields = reader(bgr)
    return fields, time.perf_counter() - start


@dataclass
class SideBySide:
    """Per category, per reader: what `docintake bench --peer` prints and writes."""

    readers: dict[str, Reader]
    tallies: dict[str, dict[str, ReaderTally]] = field(default_factory=dict)

    def add(self, category: str, bgr: np.ndarray, truth: Fields) -> None:
        per_reader = self.tallies.setdefault(category, {})
        for name, reader in self.readers.items():
            read, seconds = timed(reader, bgr)
            score_passport(truth, read, seconds, per_reader.setdefault(name, ReaderTally()))

    def as_dict(self) -> dict[str, dict[str, dict[str, float]]]:
        return {
            category: {name: tally.as_dict() for name, tally in per_reader.items()}
            for category, per_reader in sorted(self.tallies.items())
        }


def format_row(category: str, reader: str, figures: dict[str, float]) -> str:
    return (
        f"{category:8s} {reader:12s} pages={figures['pages']:3d} "
        f"all-fields-exact={figures['all_fields_exact']:.0%} valid={figures['valid']:.0%} "
        f"wrong-but-valid={figures['wrong_but_valid']} s/page={figures['seconds_per_page']:.2f}"
    )


def compare_on_cases(
    data: Path, truths: list[dict[str, Any]], peer: str, ocr: OcrEngine, as_of: date
) -> dict[str, dict[str, dict[str, float]]]:
    """Both readers on every passport page of the bench's cases, by degradation category."""
    from pipeline.load import load_file

    side_by_side = SideBySide({"docintake": our_reader(ocr, as_of), peer: peer_reader(peer, as_of)})
    for truth in truths:
        for document in truth["documents"]:
            if document["doc_type"] != "passport":
                continue
            pages = load_file(data / truth["case_id"] / document["file"], document["file"])
            bgr = pages[document.get("page", 1) - 1].image
            category = degradation_category(document.get("degradations", []))
            side_by_side.add(category, bgr, document["fields"])
    return side_by_side.as_dict()
