from __future__ import annotations

import random

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from pipeline.checkbox import (
    EMPTY_BELOW,
    TICKED_ABOVE,
    box_ink,
    find_checkbox_near,
    read_tick_box,
    tick_state,
)
from pipeline.ocr import BBox

_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
_LABEL = "I am leaving temporarily (special re-entry)"


def _mark(draw: ImageDraw.ImageDraw, box: BBox, mark: str, rng: random.Random) -> None:
    x, y, w, h = box
    jitter = rng.uniform(-0.05, 0.05) * w
    if mark == "check":
        draw.line(
            [
                (x + 0.2 * w, y + 0.5 * h + jitter),
                (x + 0.42 * w, y + 0.8 * h),
                (x + 1.1 * w, y - 0.25 * h),
            ],
            fill=20,
            width=max(2, w // 9),
        )
    elif mark == "long check":  # a heavy pen's check whose long stroke rises far above the box
        draw.line(
            [(x + 0.15 * w, y + 0.55 * h), (x + 0.4 * w, y + 0.9 * h), (x + 0.8 * w, y - 0.6 * h)],
            fill=20,
            width=max(3, w // 6),
        )
    elif mark == "x":
        draw.line(
            [(x + 0.15 * w, y + 0.15 * h), (x + 0.85 * w, y + 0.85 * h)],
            fill=20,
            width=max(2, w // 10),
        )
        draw.line(
            [(x + 0.85 * w, y + 0.15 * h), (x + 0.15 * w, y + 0.85 * h)],
            fill=20,
            width=max(2, w // 10),
        )
    elif mark == "filled":
        draw.rectangle([x, y, x + w, y + h], fill=30)
    elif mark == "dot":  # a stray touch of the pen: neither empty nor a tick
        radius = w * 0.08
        draw.ellipse(
            [x + w / 2 - radius, y + h / 2 - radius, x + w / 2 + radius, y + h / 2 + radius],
            fill=20,
        )


def _form(
    mark: str, *, box_side: str = "left", size: int = 28, seed: int = 0, noisy: bool = False
) -> tuple[np.ndarray, BBox, BBox]:
    """A line with a label and its box, plus a distractor box on the line below; returns the
    gray image, the label's box and the tick box's box."""
    rng = random.Random(seed)
    image = Image.new("L", (1400, 400), 250)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(_FONT, size)
    side = round(size * rng.uniform(0.9, 1.3))
    label_x = 200
    left, top, right, bottom = draw.textbbox((label_x, 150), _LABEL, font=font)
    label = (left, top, right - left, bottom - top)
    center_y = (top + bottom) / 2
    gap = round(size * rng.uniform(0.4, 1.0))
    box_x = left - gap - side if box_side == "left" else right + gap
    box = (box_x, round(center_y - side / 2), side, side)
    draw.rectangle(
        [box[0], box[1], box[0] + side, box[1] + side], outline=40, width=max(2, side // 14)
    )
    _mark(draw, box, mark, rng)
    # Another box, ticked, a few lines below: it must not be taken for this label's box.
    other = (box_x, box[1] + 4 * size, side, side)
    draw.rectangle([other[0], other[1], other[0] + side, other[1] + side], outline=40, width=2)
    _mark(draw, other, "x", rng)
    draw.text((label_x, other[1]), "Other option", font=font, fill=0)
    gray = np.array(image)
    if noisy:
        gray = cv2.GaussianBlur(gray, (3, 3), 0.8)
        noise = np.random.default_rng(seed).normal(0, 8, gray.shape)
        gray = np.clip(gray + noise, 0, 255).astype(np.uint8)
        _, jpeg = cv2.imencode(".jpg", gray, [cv2.IMWRITE_JPEG_QUALITY, 60])
        gray = cv2.imdecode(jpeg, cv2.IMREAD_GRAYSCALE)
    return gray, label, (box[0], box[1], side + 1, side + 1)


def _close(found: BBox | None, truth: BBox, tolerance: int = 3) -> bool:
    return found is not None and all(
        abs(a - b) <= tolerance for a, b in zip(found, truth, strict=True)
    )


@pytest.mark.parametrize("mark", ["none", "check", "long check", "x", "filled", "dot"])
@pytest.mark.parametrize("box_side", ["left", "right"])
@pytest.mark.parametrize("noisy", [False, True])
def test_find_checkbox_near_finds_the_labels_own_box(mark: str, box_side: str, noisy: bool) -> None:
    gray, label, truth = _form(mark, box_side=box_side, seed=len(mark), noisy=noisy)
    assert _close(find_checkbox_near(gray, label), truth)


def test_find_checkbox_near_respects_the_side_asked_for() -> None:
    gray, label, truth = _form("none", box_side="right")
    assert _close(find_checkbox_near(gray, label, side="right"), truth)
    assert find_checkbox_near(gray, label, side="left") is None


def test_no_box_means_none() -> None:
    image = Image.new("L", (900, 200), 250)
    draw = ImageDraw.Draw(image)
    draw.text((100, 80), _LABEL, font=ImageFont.truetype(_FONT, 28), fill=0)
    left, top, right, bottom = draw.textbbox((100, 80), _LABEL, font=ImageFont.truetype(_FONT, 28))
    assert find_checkbox_near(np.array(image), (left, top, right - left, bottom - top)) is None


@pytest.mark.parametrize(
    ("mark", "expected"),
    [
        ("none", False),
        ("check", True),
        ("long check", True),
        ("x", True),
        ("filled", True),
        ("dot", None),
    ],
)
@pytest.mark.parametrize("seed", range(4))
def test_read_tick_box_answers_or_admits_doubt(mark: str, expected: bool | None, seed: int) -> None:
    gray, label, _ = _form(mark, seed=seed, noisy=seed % 2 == 1, size=24 + 4 * seed)
    reading = read_tick_box(gray, label)
    assert reading is not None
    assert reading.ticked is expected, reading
    if expected is None:
        assert reading.confidence < 0.5
    else:
        assert reading.confidence >= 0.75


def test_box_ink_ignores_the_border() -> None:
    gray, _, truth = _form("none", noisy=True)
    assert box_ink(gray, truth) < EMPTY_BELOW
    filled, _, filled_box = _form("filled")
    assert box_ink(filled, filled_box) > 0.9


@pytest.mark.parametrize("ink", [i / 200 for i in range(201)])
def test_tick_state_never_guesses_inside_the_doubtful_band(ink: float) -> None:
    ticked, confidence = tick_state(ink)
    assert 0.0 <= confidence <= 1.0
    if EMPTY_BELOW < ink < TICKED_ABOVE:
        assert ticked is None
        assert confidence < 0.5
    else:
        assert ticked is (ink >= TICKED_ABOVE)
        assert confidence >= 0.75


@pytest.mark.parametrize("box_side", ["left", "right"])
def test_box_taken_into_the_label_by_ocr_is_still_found(box_side: str) -> None:
    """OCR often reads the box as a glyph of the label's first or last word."""
    gray, label, truth = _form("x", box_side=box_side, seed=3)
    x0, x1 = min(label[0], truth[0]), max(label[0] + label[2], truth[0] + truth[2])
    swallowed = (x0, label[1], x1 - x0, label[3])
    assert _close(find_checkbox_near(gray, swallowed, side=box_side), truth)


def test_box_level_with_the_label_wins_over_one_beside_the_next_line() -> None:
    """In a column of boxes each label gets its own box, not its neighbour's."""
    gray, label, truth = _form("none", seed=5)
    lower_label = (label[0], label[1] + 4 * 28, label[2], label[3])
    found = find_checkbox_near(gray, lower_label, side="left")
    assert found is not None
    assert not _close(found, truth)
    assert abs((found[1] + found[3] / 2) - (lower_label[1] + lower_label[3] / 2)) < 28
