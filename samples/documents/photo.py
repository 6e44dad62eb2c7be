"""A synthetic passport-style applicant photo: head and shoulders on a plain light background,
35 x 45 mm. Shaded with gradients and sensor noise so that it looks photographed rather than
flat, and without any text, as the photo requirements demand."""

from __future__ import annotations

import random
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from samples.documents import Rendered
from samples.identity import Identity

PHOTO_MM = (35, 45)
_DPI = 300

_Drawing = Callable[[ImageDraw.ImageDraw], None]

_BACKGROUNDS = ((236, 240, 245), (244, 244, 240), (222, 232, 244), (235, 235, 235))
_SKIN_TONES = ((241, 204, 176), (224, 180, 142), (198, 149, 108), (160, 112, 76), (112, 76, 52))
_HAIR_COLOURS = ((25, 20, 18), (50, 35, 25), (85, 60, 40), (20, 20, 25), (120, 90, 60))
_CLOTHES = ((30, 35, 55), (60, 60, 65), (240, 240, 238), (90, 30, 35), (35, 70, 60))


def _mm_to_px(millimetres: float) -> int:
    return round(millimetres / 25.4 * _DPI)


def _shade(colour: tuple[int, int, int], factor: float) -> tuple[int, int, int]:
    r, g, b = (min(255, max(0, round(c * factor))) for c in colour)
    return (r, g, b)


def _radial_light(
    width: int, height: int, centre: tuple[float, float], radius: float
) -> np.ndarray:
    """1.1 in the lit centre falling to 0.8 at `radius`: the key light on a rounded form."""
    ys, xs = np.mgrid[0:height, 0:width]
    distance = np.hypot(xs - centre[0], ys - centre[1]) / radius
    return np.clip(1.1 - 0.3 * distance, 0.75, 1.1)[..., None]


def _layer(
    size: tuple[int, int], draw: _Drawing, colour: tuple[int, int, int]
) -> tuple[np.ndarray, np.ndarray]:
    mask = Image.new("L", size, 0)
    draw(ImageDraw.Draw(mask))
    soft = np.asarray(mask.filter(ImageFilter.GaussianBlur(2)), dtype=np.float32)[..., None] / 255
    return np.full((size[1], size[0], 3), colour, dtype=np.float32), soft


def render_photo(identity: Identity, rng: random.Random) -> Rendered:
    width, height = _mm_to_px(PHOTO_MM[0]), _mm_to_px(PHOTO_MM[1])
    size = (width, height)
    background = np.array(rng.choice(_BACKGROUNDS), dtype=np.float32)
    gradient = np.linspace(1.02, 0.94, height, dtype=np.float32)[:, None, None]
    image = np.broadcast_to(background * gradient, (height, width, 3)).copy()

    skin = rng.choice(_SKIN_TONES)
    hair = rng.choice(_HAIR_COLOURS)
    clothes = rng.choice(_CLOTHES)
    centre_x = width / 2 + rng.uniform(-0.03, 0.03) * width
    face_top, face_bottom = height * rng.uniform(0.17, 0.21), height * rng.uniform(0.70, 0.74)
    face_half = (face_bottom - face_top) * rng.uniform(0.36, 0.40)
    long_hair = identity.sex == "F" and rng.random() < 0.7

    def paint(
        draw: _Drawing, colour: tuple[int, int, int], light: np.ndarray | None = None
    ) -> None:
        nonlocal image
        fill, alpha = _layer(size, draw, colour)
        if light is not None:
            fill = fill * light
        image = image * (1 - alpha) + fill * alpha

    hair_box = (
        centre_x - face_half * 1.12,
        face_top - height * 0.05,
        centre_x + face_half * 1.12,
        face_bottom - (0 if long_hair else height * 0.22),
    )
    if long_hair:
        paint(lambda d: d.rounded_rectangle(hair_box, radius=face_half, fill=255), hair)
    shoulders = (width * -0.1, face_bottom + height * 0.02, width * 1.1, height * 1.45)
    paint(
        lambda d: d.ellipse(shoulders, fill=255),
        clothes,
        _radial_light(width, height, (centre_x, height * 0.8), width * 0.8),
    )
    neck = (
        centre_x - face_half * 0.45,
        face_bottom - height * 0.08,
        centre_x + face_half * 0.45,
        face_bottom + height * 0.09,
    )
    paint(lambda d: d.rectangle(neck, fill=255), _shade(skin, 0.82))
    if not long_hair:
        paint(lambda d: d.ellipse(hair_box, fill=255), hair)
    for side in (-1, 1):
        ear_x = centre_x + side * face_half * 0.98
        ear = (ear_x - face_half * 0.12, height * 0.42, ear_x + face_half * 0.12, height * 0.52)
        paint(lambda d, box=ear: d.ellipse(box, fill=255), _shade(skin, 0.9))
    face = (centre_x - face_half, face_top, centre_x + face_half, face_bottom)
    face_light = _radial_light(
        width, height, (centre_x - face_half * 0.2, height * 0.4), face_half * 1.6
    )
    paint(lambda d: d.ellipse(face, fill=255), skin, face_light)
    fringe = (
        centre_x - face_half * 1.05,
        face_top - height * 0.04,
        centre_x + face_half * 1.05,
        face_top + height * rng.uniform(0.08, 0.13),
    )
    paint(lambda d: d.chord(fringe, 180, 360, fill=255), hair)

    eye_y = face_top + (face_bottom - face_top) * 0.45
    for side in (-1, 1):
        eye_x = centre_x + side * face_half * 0.4
        white = (
            eye_x - face_half * 0.17,
            eye_y - face_half * 0.07,
            eye_x + face_half * 0.17,
            eye_y + face_half * 0.07,
        )
        iris = (
            eye_x - face_half * 0.07,
            eye_y - face_half * 0.07,
            eye_x + face_half * 0.07,
            eye_y + face_half * 0.07,
        )
        brow = (
            eye_x - face_half * 0.22,
            eye_y - face_half * 0.3,
            eye_x + face_half * 0.22,
            eye_y - face_half * 0.12,
        )
        paint(lambda d, box=white: d.ellipse(box, fill=255), (235, 235, 230))
        paint(lambda d, box=iris: d.ellipse(box, fill=255), (45, 35, 30))
        paint(lambda d, box=brow: d.arc(box, 200, 340, fill=255, width=5), _shade(hair, 1.1))
    nose_y = face_top + (face_bottom - face_top) * 0.64
    nose = (
        centre_x - face_half * 0.13,
        nose_y - face_half * 0.08,
        centre_x + face_half * 0.13,
        nose_y + face_half * 0.06,
    )
    paint(lambda d: d.arc(nose, 20, 160, fill=255, width=3), _shade(skin, 0.7))
    mouth_y = face_top + (face_bottom - face_top) * 0.78
    mouth = (
        centre_x - face_half * 0.3,
        mouth_y - face_half * 0.1,
        centre_x + face_half * 0.3,
        mouth_y + face_half * 0.08,
    )
    paint(lambda d: d.arc(mouth, 15, 165, fill=255, width=5), _shade((170, 90, 85), 1.0))

    noise = np.random.default_rng(rng.randrange(2**32)).normal(
        0, rng.uniform(2.5, 5.0), image.shape
    )
    pixels = np.clip(image + noise, 0, 255).astype(np.uint8)
    photo = Image.fromarray(pixels, "RGB").filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.2)))
    return Rendered(image=photo, fields={})
