"""Shared fixtures. Prefect runs against a throwaway home so tests never touch the user's."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="docintake-prefect-"))
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

REPO = Path(__file__).resolve().parent.parent
DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
TEXT_LINES = [f"Line {i}: the quick brown fox jumps over the lazy dog" for i in range(12)]


def text_page(size: tuple[int, int] = (1400, 1000)) -> Image.Image:
    """A plain page of known English text, for steps that need real OCR."""
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(DEJAVU, 30)
    for i, line in enumerate(TEXT_LINES):
        draw.text((60, 50 + i * 70), line, font=font, fill="black")
    return image


def bench_document(
    folder: Path, seed: int, index: int, doc_type: str, weights: Mapping[str, float]
) -> tuple[Path, dict[str, Any]]:
    """The file and true fields of the `doc_type` document of case `index` (from 0) of the
    bench set `docintake samples --seed SEED` renders with these profile weights, as of
    2026-11-23: one case a benchmark got wrong, rendered again alone into `folder`."""
    from samples.generate import write_nth_case

    truth = write_nth_case(folder, seed, index, date(2026, 11, 23), weights, truth_file=False)
    (document,) = [d for d in truth["documents"] if d["doc_type"] == doc_type]
    return folder / truth["case_id"] / document["file"], document["fields"]


def to_bgr(image: Image.Image) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])


@pytest.fixture
def tmp_inbox(tmp_path: Path) -> Path:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    return inbox
