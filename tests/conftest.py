"""Shared fixtures. Prefect runs against a throwaway home so tests never touch the user's."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

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


def to_bgr(image: Image.Image) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])


@pytest.fixture
def tmp_inbox(tmp_path: Path) -> Path:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    return inbox
