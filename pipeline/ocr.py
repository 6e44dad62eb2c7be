"""The OCR engine seam. Readers ask an `OcrEngine` for words with confidences and boxes;
Tesseract is the first implementation, and another engine plugs in by implementing the same
three methods."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Protocol

import cv2
import numpy as np
import pytesseract

from pipeline.errors import OcrTimeout

BBox = tuple[int, int, int, int]
PAGE_SECONDS = 120.0  # OCR time one page may take, all its readers' calls together

# Parallelism comes from reading files at once, one core each: Tesseract's own OpenMP threads
# would fight those readers for the cores, and on 2 cores they halve its speed even alone.
# Every tesseract process inherits this; set it in the environment to choose otherwise.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")


@dataclass(frozen=True)
class Word:
    text: str
    confidence: float  # 0..1
    bbox: BBox  # x, y, width, height in the pixels of the image that was read


@dataclass
class Line:
    words: list[Word]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def confidence(self) -> float:
        return min((w.confidence for w in self.words), default=0.0)

    @property
    def bbox(self) -> BBox:
        return union_bbox([w.bbox for w in self.words])


@dataclass
class OcrResult:
    lines: list[Line] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    @property
    def words(self) -> list[Word]:
        return [w for line in self.lines for w in line.words]


@dataclass(frozen=True)
class Orientation:
    rotate: int  # degrees clockwise that turn the image upright: 0, 90, 180 or 270
    confidence: float


def union_bbox(boxes: list[BBox]) -> BBox:
    if not boxes:
        return (0, 0, 0, 0)
    x0 = min(b[0] for b in boxes)
    y0 = min(b[1] for b in boxes)
    x1 = max(b[0] + b[2] for b in boxes)
    y1 = max(b[1] + b[3] for b in boxes)
    return (x0, y0, x1 - x0, y1 - y0)


class OcrEngine(Protocol):
    name: str

    def read(
        self, image: np.ndarray, *, lang: str = "eng", psm: int = 3, whitelist: str | None = None
    ) -> OcrResult:
        """Words of the image grouped in lines, each with confidence and box."""
        ...

    def read_line(
        self, image: np.ndarray, *, lang: str = "eng", whitelist: str | None = None
    ) -> tuple[str, float]:
        """One line of text and its confidence; for crops that hold a single field."""
        ...

    def orientation(self, image: np.ndarray) -> Orientation: ...

    def page_deadline(self) -> AbstractContextManager[None]:
        """A scope in which all calls share the time one page may take."""
        ...


class TesseractEngine:
    """Tesseract through pytesseract, one process per call. Each call is bounded by the
    time left on the page (see `page_deadline`), so one pathological page cannot stall a
    batch however many calls its readers make."""

    name = "tesseract"

    def __init__(self, page_seconds: float = PAGE_SECONDS) -> None:
        self.page_seconds = page_seconds
        self._deadline: float | None = None

    @contextmanager
    def page_deadline(self) -> Iterator[None]:
        """Every call inside shares one budget of `page_seconds`."""
        self._deadline = time.monotonic() + self.page_seconds
        try:
            yield
        finally:
            self._deadline = None

    def _time_left(self) -> float:
        if self._deadline is None:
            return self.page_seconds
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise OcrTimeout(self._too_long())
        return left

    def _too_long(self) -> str:
        return (
            f"Reading this page took longer than {self.page_seconds:.0f} s, the limit per page. "
            "Scan it again more plainly (300 dpi, no background), or split it."
        )

    @staticmethod
    @contextmanager
    def _image_file(image: np.ndarray) -> Iterator[str]:
        """The image as an uncompressed PNM file for the tesseract process: written in a few
        milliseconds, where pytesseract's own PNG through PIL takes half as long as reading
        the page does. The pixels, and so the reading, are the same."""
        ok, encoded = cv2.imencode(".pnm", image)
        if not ok:
            raise ValueError("an image OpenCV cannot encode")
        with tempfile.NamedTemporaryFile(prefix="docintake-ocr-", suffix=".pnm") as file:
            file.write(encoded.tobytes())
            file.flush()
            yield file.name

    def _config(self, psm: int, whitelist: str | None) -> str:
        # Documents print dark on light; skipping Tesseract's inverted-text pass saves ~15%.
        config = f"--psm {psm} -c tessedit_do_invert=0"
        if whitelist:
            config += f" -c tessedit_char_whitelist={whitelist}"
        return config

    def read(
        self, image: np.ndarray, *, lang: str = "eng", psm: int = 3, whitelist: str | None = None
    ) -> OcrResult:
        try:
            with self._image_file(image) as path:
                data = pytesseract.image_to_data(
                    path,
                    lang=lang,
                    config=self._config(psm, whitelist),
                    output_type=pytesseract.Output.DICT,
                    timeout=self._time_left(),
                )
        except RuntimeError as exc:  # pytesseract signals its timeout this way
            raise OcrTimeout(self._too_long()) from exc
        lines: dict[tuple[int, int, int], list[Word]] = {}
        for i, text in enumerate(data["text"]):
            text = text.strip()
            confidence = float(data["conf"][i])
            if not text or confidence < 0:
                continue
            key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
            box = (data["left"][i], data["top"][i], data["width"][i], data["height"][i])
            lines.setdefault(key, []).append(Word(text, confidence / 100.0, box))
        return OcrResult([Line(words) for _, words in sorted(lines.items())])

    def read_line(
        self, image: np.ndarray, *, lang: str = "eng", whitelist: str | None = None
    ) -> tuple[str, float]:
        result = self.read(image, lang=lang, psm=7, whitelist=whitelist)
        words = result.words
        if not words:
            return "", 0.0
        return " ".join(w.text for w in words), min(w.confidence for w in words)

    def orientation(self, image: np.ndarray) -> Orientation:
        try:
            with self._image_file(image) as path:
                osd = pytesseract.image_to_osd(
                    path,
                    config="--psm 0",
                    output_type=pytesseract.Output.DICT,
                    timeout=self._time_left(),
                )
        except pytesseract.TesseractError:
            return Orientation(0, 0.0)  # too little text to tell; leave the page as it is
        except RuntimeError as exc:
            raise OcrTimeout(self._too_long()) from exc
        confidence = min(float(osd.get("orientation_conf", 0.0)) / 10.0, 1.0)
        return Orientation(int(osd.get("rotate", 0)) % 360, confidence)
