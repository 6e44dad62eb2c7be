"""Renderers of individual documents. Each returns the page image together with the values
a perfect reader would extract from it, named as the public contract names them.

The drawing helpers here work in millimetres, so that every renderer can vary its resolution
while keeping real document proportions."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw

from samples.fonts import font

FieldTruth = str | bool | int | None | tuple[str, ...]
Color = tuple[int, int, int]

MM_PER_INCH = 25.4


@dataclass
class Rendered:
    image: Image.Image
    # Contract field name -> expected value. Keys starting with "_" are test helpers, not
    # contract fields (e.g. "_mrz": the MRZ lines).
    fields: dict[str, FieldTruth] = field(default_factory=dict)


def _has_cjk(text: str) -> bool:
    return any(ord(c) >= 0x3000 for c in text)


class Canvas:
    """An RGB page addressed in millimetres."""

    def __init__(self, width_mm: float, height_mm: float, dpi: float, background: Color) -> None:
        self.px_per_mm = dpi / MM_PER_INCH
        self.image = Image.new("RGB", (self.px(width_mm), self.px(height_mm)), background)
        self.draw = ImageDraw.Draw(self.image)

    def px(self, mm: float) -> int:
        return round(mm * self.px_per_mm)

    def text(
        self,
        x_mm: float,
        y_mm: float,
        text: str,
        *,
        size_mm: float,
        font_name: str = "sans",
        fill: Color = (20, 20, 20),
        anchor: str = "la",
    ) -> tuple[int, int, int, int]:
        """Draw text with its top-left (or `anchor`) at the point; Latin font names fall back
        to IPA Gothic for Japanese and Chinese text, which DejaVu cannot draw."""
        if _has_cjk(text) and font_name not in {"gothic", "mincho"}:
            font_name = "gothic"
        face = font(font_name, max(6, self.px(size_mm)))
        position = (self.px(x_mm), self.px(y_mm))
        self.draw.text(position, text, font=face, fill=fill, anchor=anchor)
        return self.draw.textbbox(position, text, font=face, anchor=anchor)

    def text_width_mm(self, text: str, *, size_mm: float, font_name: str = "sans") -> float:
        if _has_cjk(text) and font_name not in {"gothic", "mincho"}:
            font_name = "gothic"
        return font(font_name, max(6, self.px(size_mm))).getlength(text) / self.px_per_mm

    def fit_size_mm(self, text: str, *, size_mm: float, width_mm: float, font_name: str) -> float:
        """The largest size up to `size_mm` at which the text fits the width."""
        width = self.text_width_mm(text, size_mm=size_mm, font_name=font_name)
        return size_mm if width <= width_mm else size_mm * width_mm / width

    def rect(
        self,
        x_mm: float,
        y_mm: float,
        w_mm: float,
        h_mm: float,
        *,
        outline: Color | None = None,
        fill: Color | None = None,
        width_mm: float = 0.2,
    ) -> None:
        box = (self.px(x_mm), self.px(y_mm), self.px(x_mm + w_mm), self.px(y_mm + h_mm))
        self.draw.rectangle(box, outline=outline, fill=fill, width=max(1, self.px(width_mm)))

    def line(
        self, x0: float, y0: float, x1: float, y1: float, *, fill: Color, width_mm: float = 0.2
    ) -> None:
        points = [(self.px(x0), self.px(y0)), (self.px(x1), self.px(y1))]
        self.draw.line(points, fill=fill, width=max(1, self.px(width_mm)))

    def paste(self, image: Image.Image, x_mm: float, y_mm: float, w_mm: float, h_mm: float) -> None:
        resized = image.convert("RGB").resize((self.px(w_mm), self.px(h_mm)), Image.LANCZOS)
        self.image.paste(resized, (self.px(x_mm), self.px(y_mm)))


def pastel(rng: random.Random, *, lightness: float = 0.9) -> Color:
    """A light tint for security backgrounds: high lightness, moderate saturation."""
    hue = rng.random()
    red, green, blue = _hsl_to_rgb(hue, rng.uniform(0.25, 0.55), lightness)
    return (red, green, blue)


def ink(rng: random.Random, *, lightness: float = 0.55) -> Color:
    """A saturated colour light enough not to hide text drawn over it."""
    return _hsl_to_rgb(rng.random(), rng.uniform(0.3, 0.6), lightness)


def _hsl_to_rgb(hue: float, saturation: float, lightness: float) -> Color:
    chroma = (1 - abs(2 * lightness - 1)) * saturation
    sector = hue * 6
    second = chroma * (1 - abs(sector % 2 - 1))
    red, green, blue = [
        (chroma, second, 0),
        (second, chroma, 0),
        (0, chroma, second),
        (0, second, chroma),
        (second, 0, chroma),
        (chroma, 0, second),
    ][int(sector) % 6]
    match = lightness - chroma / 2
    return (
        round((red + match) * 255),
        round((green + match) * 255),
        round((blue + match) * 255),
    )


def guilloche(canvas: Canvas, rng: random.Random, *, colors: list[Color], density: int) -> None:
    """Security-print background: overlapping rosettes and wave bands in thin light lines,
    so that readers meet the fine texture real documents have behind their text."""
    width, height = canvas.image.size
    line_width = max(1, canvas.px(0.08))
    steps = np.linspace(0, 2 * math.pi, 2400)
    for _ in range(density):
        center_x = rng.uniform(0, width)
        center_y = rng.uniform(0, height)
        big = rng.uniform(0.15, 0.45) * min(width, height)
        small = big * rng.uniform(0.1, 0.45)
        offset = small * rng.uniform(0.5, 1.4)
        lobes = rng.randint(7, 23)
        xs = center_x + (big - small) * np.cos(steps) + offset * np.cos(lobes * steps)
        ys = center_y + (big - small) * np.sin(steps) - offset * np.sin(lobes * steps)
        canvas.draw.line(
            list(zip(xs.tolist(), ys.tolist(), strict=True)),
            fill=rng.choice(colors),
            width=line_width,
        )
    wave_x = np.linspace(0, width, 600)
    spacing = rng.uniform(1.2, 2.5) * canvas.px_per_mm
    amplitude = rng.uniform(0.8, 3.0) * canvas.px_per_mm
    period = rng.uniform(15, 40) * canvas.px_per_mm
    phase = rng.uniform(0, 2 * math.pi)
    color = rng.choice(colors)
    for row in range(int(height / spacing) + 2):
        shift = row * spacing
        wave_y = shift + amplitude * np.sin(2 * math.pi * wave_x / period + phase + row * 0.15)
        canvas.draw.line(
            list(zip(wave_x.tolist(), wave_y.tolist(), strict=True)), fill=color, width=line_width
        )


def scribble(
    canvas: Canvas,
    rng: random.Random,
    box_mm: tuple[float, float, float, float],
    *,
    color: Color = (25, 35, 110),
    width_mm: float = 0.35,
) -> None:
    """A handwritten-looking signature: a smooth random pen path across the box."""
    x, y, w, h = box_mm
    strokes = rng.randint(5, 9)
    anchors_x = np.sort(np.array([rng.uniform(0, 1) for _ in range(strokes)]))
    anchors_y = np.array([rng.uniform(0.15, 0.85) for _ in range(strokes)])
    steps = np.linspace(0, 1, 200)
    path_x = np.interp(steps, np.linspace(0, 1, strokes), anchors_x)
    path_y = np.interp(steps, np.linspace(0, 1, strokes), anchors_y)
    loops = rng.uniform(6, 14)
    path_x = path_x + 0.03 * np.sin(steps * loops * 2 * math.pi)
    path_y = path_y + 0.25 * np.cos(steps * loops * 2 * math.pi)
    points = [
        (canvas.px(x + px * w), canvas.px(y + py * h))
        for px, py in zip(path_x.tolist(), np.clip(path_y, 0, 1).tolist(), strict=True)
    ]
    canvas.draw.line(points, fill=color, width=max(1, canvas.px(width_mm)), joint="curve")


def handwriting_size(text: str, *, size_mm: float, width_mm: float) -> float:
    """The letter size, up to `size_mm`, at which `handwrite` keeps `text` within the width
    (letters take up to 0.9 of their height with the gap, spaces 0.6)."""
    spaces = text.count(" ")
    width_per_mm = 0.9 * (len(text) - spaces) + 0.6 * spaces
    return min(size_mm, width_mm / max(width_per_mm, 1))


def handwrite(
    canvas: Canvas,
    rng: random.Random,
    x_mm: float,
    y_mm: float,
    text: str,
    *,
    size_mm: float,
    color: Color = (25, 30, 90),
) -> tuple[int, int, int, int]:
    """Block capitals written by hand: each letter a little tilted, shifted and resized, so
    readers meet the irregular strokes of a filled-in card rather than a clean font."""
    face_name = rng.choice(["sans", "sans_oblique", "sans_condensed", "mono"])
    x = canvas.px(x_mm)
    baseline = canvas.px(y_mm + size_mm * 0.8)
    left, top, right, bottom = x, baseline, x, baseline
    for char in text:
        size = max(6, canvas.px(size_mm * rng.uniform(0.9, 1.1)))
        if char == " ":
            x += int(size * 0.6)
            continue
        glyph_baseline = int(size * 1.4)
        glyph = Image.new("L", (size * 2, size * 2), 0)
        ImageDraw.Draw(glyph).text(
            (size // 2, glyph_baseline), char, font=font(face_name, size), fill=255, anchor="ls"
        )
        glyph = glyph.rotate(rng.uniform(-7, 7), resample=Image.BICUBIC)
        box = glyph.getbbox()
        if box is None:
            continue
        glyph = glyph.crop(box)
        paste_y = baseline + box[1] - glyph_baseline + int(size * rng.uniform(-0.05, 0.05))
        canvas.image.paste(Image.new("RGB", glyph.size, color), (x, paste_y), glyph)
        right = max(right, x + glyph.width)
        bottom = max(bottom, paste_y + glyph.height)
        top = min(top, paste_y)
        x += int(glyph.width + size * rng.uniform(0.08, 0.2))
    return (left, top, right, bottom)
