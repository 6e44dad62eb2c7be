"""What flows between the steps: a loaded page, then the same page prepared for reading."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from pipeline.ocr import BBox, OcrResult


@dataclass
class Page:
    """One page as loaded from a file: pixels (BGR, uint8) and, for PDFs, what the file
    itself says (text layer and AcroForm values), so born-digital forms need no OCR."""

    file: str  # path relative to the case folder
    page: int  # 1-based
    sha256: str  # of the whole file
    image: np.ndarray
    text_layer: str = ""
    form_fields: dict[str, str] = field(default_factory=dict)
    # Boxes of the text layer's words in the pixels of `image`: (text, bbox).
    text_layer_words: list[tuple[str, BBox]] = field(default_factory=list)
    # Boxes of the AcroForm widgets in the pixels of `image`, by field name.
    form_field_boxes: dict[str, BBox] = field(default_factory=dict)


@dataclass
class PreparedPage:
    """A page turned upright and deskewed. `to_original` maps points of `image` back to the
    page as loaded, because the report's boxes are in the loaded page's pixels."""

    source: Page
    image: np.ndarray  # grayscale, upright
    to_original: np.ndarray  # 3x3 homography: prepared -> loaded coordinates
    ocr: OcrResult | None = None  # whole-page reading (eng), shared by classify and extract

    @property
    def quarter_turns(self) -> int:
        """How many quarter turns clockwise bring the page as loaded upright (0 to 3), so the
        report can show its crops, cut from the loaded page, the right way up."""
        height, width = self.source.image.shape[:2]
        points = np.array([[width / 2, height / 2, 1], [width / 2 + 10, height / 2, 1]])
        mapped = points @ np.linalg.inv(self.to_original).T
        (x0, y0), (x1, y1) = mapped[:, :2] / mapped[:, 2:3]
        return round(math.degrees(math.atan2(y1 - y0, x1 - x0)) / 90) % 4

    def bbox_to_original(self, bbox: BBox) -> BBox:
        """The box in loaded-page pixels that holds `bbox` of the prepared image."""
        x, y, w, h = bbox
        corners = np.array(
            [[x, y, 1], [x + w, y, 1], [x, y + h, 1], [x + w, y + h, 1]], dtype=np.float64
        )
        mapped = corners @ self.to_original.T
        mapped = mapped[:, :2] / mapped[:, 2:3]
        height, width = self.source.image.shape[:2]
        x0 = int(np.clip(mapped[:, 0].min(), 0, width))
        y0 = int(np.clip(mapped[:, 1].min(), 0, height))
        x1 = int(np.clip(mapped[:, 0].max(), 0, width))
        y1 = int(np.clip(mapped[:, 1].max(), 0, height))
        return (x0, y0, x1 - x0, y1 - y0)
