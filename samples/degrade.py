"""What happens to a document between the applicant and the inbox: flatbed scans, low
resolution office scans, phone photos on a desk, pages fed in sideways. Each degradation is
recorded so that accuracy can be measured per condition."""

from __future__ import annotations

import math
import random

import cv2
import numpy as np
from PIL import Image

PROFILES = ("clean", "scan150", "phone", "rotated")
_WHITE = (255, 255, 255)


def _to_array(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB")).copy()


def _skew(pixels: np.ndarray, degrees: float, background: tuple[int, int, int]) -> np.ndarray:
    """Rotate about the centre, enlarging the canvas so that no corner is cut off."""
    height, width = pixels.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_width = int(height * sin + width * cos)
    new_height = int(height * cos + width * sin)
    matrix[0, 2] += new_width / 2 - width / 2
    matrix[1, 2] += new_height / 2 - height / 2
    return cv2.warpAffine(
        pixels,
        matrix,
        (new_width, new_height),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=background,
    )


def _noise(pixels: np.ndarray, rng: np.random.Generator, sigma: float) -> np.ndarray:
    noisy = pixels.astype(np.float32) + rng.normal(0, sigma, pixels.shape).astype(np.float32)
    return np.clip(noisy, 0, 255).astype(np.uint8)


def _jpeg(pixels: np.ndarray, quality: int) -> np.ndarray:
    bgr = cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR)
    ok, encoded = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return cv2.cvtColor(cv2.imdecode(encoded, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def _scale(pixels: np.ndarray, factor: float) -> np.ndarray:
    height, width = pixels.shape[:2]
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    interpolation = cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC
    return cv2.resize(pixels, size, interpolation=interpolation)


def _margin(pixels: np.ndarray, pixels_wide: int, color: tuple[int, int, int]) -> np.ndarray:
    return cv2.copyMakeBorder(
        pixels, pixels_wide, pixels_wide, pixels_wide, pixels_wide, cv2.BORDER_CONSTANT, value=color
    )


def _smooth_field(rng: np.random.Generator, height: int, width: int, cells: int) -> np.ndarray:
    """Low-frequency noise in 0..1: a coarse random grid blown up smoothly."""
    coarse = rng.random((cells, cells)).astype(np.float32)
    return cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC).clip(0, 1)


def _desk(rng: np.random.Generator, height: int, width: int, kind: str) -> np.ndarray:
    """A table surface to photograph the document on: wood grain, fabric or laminate."""
    base = {
        "wood": (150, 105, 70),
        "dark": (55, 50, 48),
        "fabric": (70, 85, 110),
        "laminate": (205, 200, 190),
    }[kind]
    field = _smooth_field(rng, height, width, 6)
    texture = np.zeros((height, width), np.float32)
    if kind == "wood":
        ys = np.arange(height, dtype=np.float32)[:, None]
        xs = np.arange(width, dtype=np.float32)[None, :]
        texture = np.sin(ys / rng.uniform(6, 14) + 6 * field + xs * 0.002) * 18
    elif kind == "fabric":
        texture = rng.normal(0, 14, (height, width)).astype(np.float32)
        texture = cv2.GaussianBlur(texture, (0, 0), 1.2)
    shade = (field - 0.5) * 40 + texture
    desk = np.array(base, np.float32)[None, None, :] + shade[:, :, None]
    return np.clip(desk, 0, 255).astype(np.uint8)


def _lighting(pixels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Uneven light: a gradient across the frame and a soft shadow of the phone or hand."""
    height, width = pixels.shape[:2]
    angle = rng.uniform(0, 2 * math.pi)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    ramp = (xs / width - 0.5) * math.cos(angle) + (ys / height - 0.5) * math.sin(angle)
    light = 1.0 - rng.uniform(0.15, 0.4) * (ramp + 0.5)
    # The shadow is soft: draw it small, blur, and blow it up, which is much cheaper.
    small_w, small_h = max(8, width // 8), max(8, height // 8)
    shadow = np.zeros((small_h, small_w), np.float32)
    center = (int(rng.uniform(0, small_w)), int(rng.uniform(0, small_h)))
    axes = (int(small_w * rng.uniform(0.2, 0.45)), int(small_h * rng.uniform(0.15, 0.35)))
    cv2.ellipse(shadow, center, axes, rng.uniform(0, 180), 0, 360, 1.0, -1)
    shadow = cv2.GaussianBlur(shadow, (0, 0), max(small_w, small_h) * 0.05)
    shadow = cv2.resize(shadow, (width, height), interpolation=cv2.INTER_LINEAR)
    light *= 1.0 - rng.uniform(0.15, 0.35) * shadow
    tint = np.array([1.0, rng.uniform(0.95, 1.0), rng.uniform(0.85, 0.97)], np.float32)
    lit = pixels.astype(np.float32) * light[:, :, None] * tint[None, None, :]
    return np.clip(lit, 0, 255).astype(np.uint8)


def _phone(
    pixels: np.ndarray, rng: random.Random, gen: np.random.Generator
) -> tuple[np.ndarray, list[str]]:
    applied: list[str] = []
    height, width = pixels.shape[:2]
    desk_kind = rng.choice(["wood", "dark", "fabric", "laminate"])
    frame_w = int(width * rng.uniform(1.25, 1.55))
    frame_h = int(height * rng.uniform(1.3, 1.7))
    desk = _desk(gen, frame_h, frame_w, desk_kind)
    applied.append(f"desk:{desk_kind}")

    # Where the document's corners land: placed off-centre, turned, seen at an angle.
    center_x = frame_w / 2 + rng.uniform(-0.06, 0.06) * frame_w
    center_y = frame_h / 2 + rng.uniform(-0.06, 0.06) * frame_h
    turn = math.radians(rng.uniform(-8, 8))
    corners = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
    placed = []
    for corner_x, corner_y in corners:
        dx, dy = corner_x - width / 2, corner_y - height / 2
        jitter = rng.uniform(-0.07, 0.07) * width, rng.uniform(-0.07, 0.07) * height
        placed.append(
            [
                center_x + dx * math.cos(turn) - dy * math.sin(turn) + jitter[0],
                center_y + dx * math.sin(turn) + dy * math.cos(turn) + jitter[1],
            ]
        )
    target = np.array(placed, np.float32)
    homography = cv2.getPerspectiveTransform(corners, target)
    warped = cv2.warpPerspective(pixels, homography, (frame_w, frame_h), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(
        np.full((height, width), 255, np.uint8), homography, (frame_w, frame_h)
    )
    mask = cv2.GaussianBlur(mask, (3, 3), 0).astype(np.float32)[:, :, None] / 255
    photo = (warped * mask + desk * (1 - mask)).astype(np.uint8)
    applied.append(f"perspective:{math.degrees(turn):.1f}")
    longest = rng.uniform(1600, 2600)
    factor = longest / max(photo.shape[:2])
    photo = _scale(photo, factor)
    applied.append(f"scale:{factor:.2f}")

    photo = _lighting(photo, gen)
    applied.append("uneven_light")
    if rng.random() < 0.5:
        sigma = rng.uniform(0.6, 1.6)
        photo = cv2.GaussianBlur(photo, (0, 0), sigma)
        applied.append(f"blur:{sigma:.1f}")
    else:
        length = rng.randint(3, 7)
        kernel = np.zeros((length, length), np.float32)
        kernel[length // 2, :] = 1 / length
        rotation = cv2.getRotationMatrix2D(
            (length / 2 - 0.5, length / 2 - 0.5), rng.uniform(0, 180), 1.0
        )
        kernel = cv2.warpAffine(kernel, rotation, (length, length))
        photo = cv2.filter2D(photo, -1, kernel / max(kernel.sum(), 1e-6))
        applied.append(f"motion_blur:{length}")
    sigma = rng.uniform(3, 8)
    photo = _noise(photo, gen, sigma)
    applied.append(f"noise:{sigma:.1f}")
    quality = rng.randint(35, 85)
    photo = _jpeg(photo, quality)
    applied.append(f"jpeg:{quality}")
    return photo, applied


def with_print_gain(page: Image.Image, pixels: int) -> Image.Image:
    """The page with its dark strokes thickened by `pixels` all round (thinned, if negative):
    printers put down more or less ink than the font draws (laser-engraved zones print
    heavy), and a reader must not know only the font's own weight."""
    if not pixels:
        return page
    kernel = np.ones((2 * abs(pixels) + 1,) * 2, np.uint8)
    rgb = _to_array(page)
    return Image.fromarray(cv2.erode(rgb, kernel) if pixels > 0 else cv2.dilate(rgb, kernel))


def degrade(
    image: Image.Image, rng: random.Random, *, profile: str
) -> tuple[Image.Image, list[str]]:
    """The image as it would arrive through `profile`, and the list of what was applied."""
    if profile not in PROFILES:
        raise ValueError(f"unknown degradation profile {profile!r}; expected one of {PROFILES}")
    gen = np.random.default_rng(rng.getrandbits(64))
    pixels = _to_array(image)
    applied: list[str] = []
    if profile == "clean":
        pixels = _margin(pixels, rng.randint(20, 80), _WHITE)
        angle = rng.uniform(-0.6, 0.6)
        pixels = _skew(pixels, angle, _WHITE)
        sigma = rng.uniform(1.0, 3.0)
        pixels = _noise(pixels, gen, sigma)
        applied += ["margin", f"skew:{angle:.2f}", f"noise:{sigma:.1f}"]
    elif profile == "scan150":
        factor = rng.uniform(0.47, 0.53)
        pixels = _scale(pixels, factor)
        pixels = _margin(pixels, rng.randint(10, 40), _WHITE)
        angle = rng.uniform(-3.0, 3.0)
        pixels = _skew(pixels, angle, _WHITE)
        sigma = rng.uniform(2.0, 5.0)
        pixels = _noise(pixels, gen, sigma)
        quality = rng.randint(55, 85)
        pixels = _jpeg(pixels, quality)
        applied += [
            f"scale:{factor:.2f}",
            "margin",
            f"skew:{angle:.2f}",
            f"noise:{sigma:.1f}",
            f"jpeg:{quality}",
        ]
    elif profile == "phone":
        pixels, applied = _phone(pixels, rng, gen)
    else:
        quarter = rng.choice([90, 180, 270])
        # np.rot90 turns counter-clockwise; record the clockwise turn applied to the page.
        pixels = np.ascontiguousarray(np.rot90(pixels, k=(360 - quarter) // 90))
        pixels = _margin(pixels, rng.randint(10, 50), _WHITE)
        angle = rng.uniform(-2.0, 2.0)
        pixels = _skew(pixels, angle, _WHITE)
        sigma = rng.uniform(1.0, 3.0)
        pixels = _noise(pixels, gen, sigma)
        applied += [f"rotate:{quarter}", "margin", f"skew:{angle:.2f}", f"noise:{sigma:.1f}"]
    return Image.fromarray(pixels), applied
