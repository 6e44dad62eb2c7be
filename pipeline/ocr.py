"""The OCR engine seam. Readers ask an `OcrEngine` for words with confidences and boxes;
Tesseract is the first implementation, and another engine plugs in by implementing the same
three methods."""

from __future__ import annotations

import ctypes
import ctypes.util
import importlib.util
import os
import tempfile
import threading
import time
from collections.abc import Hashable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import cv2
import numpy as np
import pytesseract

from pipeline.errors import OcrTimeout

if TYPE_CHECKING:
    import tesserocr

BBox = tuple[int, int, int, int]
_LEPTONICA_SEVERITY_NONE = 6  # L_SEVERITY_NONE in leptonica's environ.h
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


def grouped_in_lines(words: Iterable[tuple[Hashable, str, float, BBox]]) -> OcrResult:
    """Tesseract's words, each as (key of its line, text, confidence 0..100, box) in reading
    order, grouped in lines; blank words dropped."""
    lines: dict[Hashable, list[Word]] = {}
    for key, text, confidence, box in words:
        text = text.strip()
        if text:
            lines.setdefault(key, []).append(Word(text, confidence / 100.0, box))
    return OcrResult([Line(line) for line in lines.values()])


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
        words = []
        for i, text in enumerate(data["text"]):
            confidence = float(data["conf"][i])
            if confidence < 0:
                continue  # a page, block, paragraph or line row, not a word
            key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
            box = (data["left"][i], data["top"][i], data["width"][i], data["height"][i])
            words.append((key, text, confidence, box))
        return grouped_in_lines(words)

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


class InProcessTesseractEngine(TesseractEngine):
    """The same Tesseract library, loaded once per process and thread through tesserocr
    instead of started for every call. Its readings are the command line's, word for word and
    confidence for confidence (tests/test_ocr.py checks it), at a fraction of the cost: each
    command-line call spends some 0.1 s starting and loading its model, and the readers make
    several calls a page. Orientation (rare: pages lying on their side) still asks the
    command line."""

    _apis = threading.local()  # lang -> tesserocr.PyTessBaseAPI, one set per thread

    def _api(self, lang: str) -> tesserocr.PyTessBaseAPI:
        # Imported here, after OMP_THREAD_LIMIT is set, which the library reads as it loads.
        import tesserocr

        apis: dict[str, tesserocr.PyTessBaseAPI] = self._apis.__dict__.setdefault("by_lang", {})
        if not apis:
            _quiet_leptonica()
        if lang not in apis:
            api = tesserocr.PyTessBaseAPI(lang=lang)
            api.SetVariable("tessedit_do_invert", "0")  # as the command line is configured
            apis[lang] = api
        return apis[lang]

    def read(
        self, image: np.ndarray, *, lang: str = "eng", psm: int = 3, whitelist: str | None = None
    ) -> OcrResult:
        api = self._api(lang)
        api.SetPageSegMode(psm)
        api.SetVariable("tessedit_char_whitelist", whitelist or "")
        # Raw pixels, as the command line gets them from a PNM file: an image handed over as a
        # PIL image carries a resolution that changes the layout analysis and so the reading.
        if image.ndim == 3:
            image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        pixels = np.ascontiguousarray(image, dtype=np.uint8)
        channels = 1 if pixels.ndim == 2 else pixels.shape[2]
        height, width = pixels.shape[:2]
        api.SetImageBytes(pixels.tobytes(), width, height, channels, width * channels)
        if not api.Recognize(timeout=int(self._time_left() * 1000)):
            raise OcrTimeout(self._too_long())
        return grouped_in_lines(self._words(api))

    @staticmethod
    def _words(api: tesserocr.PyTessBaseAPI) -> Iterator[tuple[Hashable, str, float, BBox]]:
        import tesserocr

        line = 0
        for word in tesserocr.iterate_level(api.GetIterator(), tesserocr.RIL.WORD):
            if word.IsAtBeginningOf(tesserocr.RIL.TEXTLINE):
                line += 1
            try:
                text = word.GetUTF8Text(tesserocr.RIL.WORD)
            except RuntimeError:  # a word with no text
                continue
            box = word.BoundingBox(tesserocr.RIL.WORD)
            if box is None:
                continue
            left, top, right, bottom = box
            # Whole percent, as the command line's TSV reaches the readers through pytesseract.
            confidence = float(int(word.Confidence(tesserocr.RIL.WORD)))
            yield line, text, confidence, (left, top, right - left, bottom - top)


def _quiet_leptonica() -> None:
    """Leptonica, the image library under Tesseract, prints its complaints about a crop
    ("Error in pixScanForForeground: invalid box") to stderr, where the command line's went to
    pytesseract: in process they would litter the terminal, for nothing the reading lacks."""
    library = ctypes.util.find_library("lept")
    if library:
        ctypes.CDLL(library).setMsgSeverity(_LEPTONICA_SEVERITY_NONE)


def default_engine() -> OcrEngine:
    """The in-process engine where tesserocr is installed (scripts/setup.sh builds it against
    the system's Tesseract), else the command line, which reads the same."""
    in_process = importlib.util.find_spec("tesserocr") is not None
    return InProcessTesseractEngine() if in_process else TesseractEngine()
