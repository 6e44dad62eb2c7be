"""The in-process engine must read exactly what the command line reads: the readers were tuned
on the command line's words and confidences, and the engine is only a faster way to them."""

from __future__ import annotations

import ctypes
import ctypes.util
import random
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import numpy as np
import pytest

from pipeline.ocr import InProcessTesseractEngine, OcrResult, TesseractEngine
from samples.degrade import degrade
from samples.documents.passport import render_passport
from samples.documents.residence_card import render_card_back, render_card_front
from samples.identity import random_identity

AS_OF = date(2026, 11, 23)


def _page(kind: str, seed: int, profile: str = "phone") -> np.ndarray:
    rng = random.Random(f"ocr-engines-{kind}-{seed}")
    identity = random_identity(rng, AS_OF)
    if kind == "passport":
        rendered = render_passport(identity, rng)
    elif kind == "card_front":
        rendered = render_card_front(identity, rng)
    else:
        rendered = render_card_back(
            identity, rng, application_pending=True, permission_outside_status=True
        )
    image, _ = degrade(rendered.image, rng, profile=profile)
    return np.asarray(image.convert("L"))


def _as_tuples(result: OcrResult) -> list[list[tuple[str, float, tuple[int, int, int, int]]]]:
    return [
        [(word.text, round(word.confidence, 3), word.bbox) for word in line.words]
        for line in result.lines
    ]


@pytest.mark.parametrize(
    ("kind", "lang", "psm"),
    [
        ("passport", "eng", 3),
        ("card_front", "eng", 3),
        ("card_front", "jpn", 6),
        ("card_back", "jpn", 3),
        ("passport", "eng", 11),
    ],
)
def test_in_process_reads_what_the_command_line_reads(kind: str, lang: str, psm: int) -> None:
    page = _page(kind, seed=1)
    by_command = TesseractEngine().read(page, lang=lang, psm=psm)
    in_process = InProcessTesseractEngine().read(page, lang=lang, psm=psm)
    assert len(by_command.words) >= 5
    assert _as_tuples(in_process) == _as_tuples(by_command)


def test_a_colour_image_reads_as_on_the_command_line() -> None:
    rng = random.Random("ocr-engines-colour")
    rendered = render_card_front(random_identity(rng, AS_OF), rng)
    bgr = np.ascontiguousarray(np.asarray(rendered.image.convert("RGB"))[:, :, ::-1])
    by_command = TesseractEngine().read(bgr)
    assert len(by_command.words) > 10
    assert _as_tuples(InProcessTesseractEngine().read(bgr)) == _as_tuples(by_command)


def test_a_whitelist_holds_for_its_own_call_only() -> None:
    """The library keeps its settings between calls where each command line starts afresh."""
    page = _page("passport", seed=2, profile="clean")
    line = page[int(page.shape[0] * 0.8) :]
    engine = InProcessTesseractEngine()
    digits, _ = engine.read_line(line, whitelist="0123456789")
    assert digits and set(digits) <= set("0123456789 ")
    assert engine.read_line(line) == TesseractEngine().read_line(line)


def test_threads_each_read_their_own_page() -> None:
    """The API server reads cases on threads: a library instance shared between them would
    mix one page's words into another's."""
    pages = [_page("passport", seed) for seed in range(4)]
    expected = [_as_tuples(TesseractEngine().read(page)) for page in pages]
    engine = InProcessTesseractEngine()
    with ThreadPoolExecutor(max_workers=4) as pool:
        read = list(pool.map(lambda page: _as_tuples(engine.read(page)), pages * 2))
    assert read == expected * 2


def test_leptonica_complaints_are_kept_off_the_terminal() -> None:
    """Leptonica prints "Error in pixScanForForeground: invalid box" on some crops; in process
    that would reach the user's terminal (the command line's went to pytesseract)."""
    InProcessTesseractEngine().read(np.full((40, 200), 255, np.uint8))
    leptonica = ctypes.CDLL(ctypes.util.find_library("lept"))
    assert leptonica.setMsgSeverity(6) == 6  # L_SEVERITY_NONE was already set
