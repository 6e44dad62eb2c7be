"""Prepare a loaded page for reading: grayscale, a bounded size, upright and deskewed. Every
geometric change is recorded in one homography so readers can report boxes in the pixels of
the page as loaded."""

from __future__ import annotations

import cv2
import numpy as np

from pipeline.classify import read_page
from pipeline.geometry import corner_skew, find_outline, rectify, side_lengths
from pipeline.ocr import OcrEngine, OcrResult
from pipeline.page import Page, PreparedPage

MAX_SIDE = 2400  # phone photos are larger than any field needs; OCR time grows with pixels
MIN_SIDE = 1600  # low-resolution scans are enlarged (at most 2x): Tesseract wants tall glyphs
MAX_UPSCALE = 2.0
OSD_SIDE = 1200
MIN_OSD_CONFIDENCE = 0.05  # Tesseract's orientation_conf 0.5: below it OSD is guessing
CONFIDENT_WORD = 0.85
MIN_CONFIDENT_WORDS = 3  # an orientation with this many confident words is upright,
CONFIDENT_SHARE = 0.05  # and that share of all its words: dense pages read upside down
# still yield a few confident fragments
MIN_SIDEWAYS_WORDS = 5  # words of four letters or more it takes to tell a sideways reading
CLEARLY_BETTER = 0.1  # the margin of mean Japanese confidence that overturns the likelier turn
MIN_PAGE_AREA = 0.25  # share of a photo a document outline must cover to be straightened
MIN_BACKGROUND_CONTRAST = 20.0  # grey levels between paper and the desk around it
MIN_EDGE_CONTRAST = 25.0  # the same across the outline; scanned cards on white show up to 20
EDGE_BAND = 0.01  # width of the bands either side of an outline, of the image's long side
MAX_CORNER_SKEW = 25.0  # degrees an outline's corner may stray from square in a hand-held shot
LIGHT_KERNEL = 51  # background estimate: wider than any stroke, narrower than a light gradient
TURNED_FILLERS = ">>>>>"  # an MRZ's run of fillers read upside down
MAX_SKEW_DEGREES = 15.0
MIN_SKEW_DEGREES = 0.3


def _scale_matrix(factor: float) -> np.ndarray:
    return np.diag([factor, factor, 1.0])


def _rotation_90(image: np.ndarray, degrees_clockwise: int) -> tuple[np.ndarray, np.ndarray]:
    """The image turned by a multiple of 90 degrees clockwise, and the matrix that maps old
    points to new ones."""
    height, width = image.shape[:2]
    turns = (degrees_clockwise // 90) % 4
    if turns == 0:
        return image, np.eye(3)
    rotated = np.ascontiguousarray(np.rot90(image, k=-turns))
    if turns == 1:  # (x, y) -> (h - 1 - y, x)
        matrix = np.array([[0, -1, height - 1], [1, 0, 0], [0, 0, 1]], dtype=np.float64)
    elif turns == 2:
        matrix = np.array([[-1, 0, width - 1], [0, -1, height - 1], [0, 0, 1]], dtype=np.float64)
    else:  # (x, y) -> (y, w - 1 - x)
        matrix = np.array([[0, 1, 0], [-1, 0, width - 1], [0, 0, 1]], dtype=np.float64)
    return rotated, matrix


def _ink(gray: np.ndarray) -> np.ndarray:
    """Dark marks as white on black, at a working size of about 1000 pixels."""
    height, width = gray.shape[:2]
    factor = min(1.0, 1000.0 / max(height, width))
    small = cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    return cv2.adaptiveThreshold(
        small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 15
    )


def _line_blobs(ink: np.ndarray, kernel: tuple[int, int]) -> int:
    """How many line-shaped blobs appear when ink is joined along one direction."""
    joined = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, np.ones(kernel, np.uint8))
    contours, _ = cv2.findContours(joined, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    count = 0
    for contour in contours:
        _, _, w, h = cv2.boundingRect(contour)
        long_side, short_side = (w, h) if kernel[1] > kernel[0] else (h, w)
        if long_side >= 40 and long_side >= 4 * max(short_side, 1):
            count += 1
    return count


def text_runs_vertically(gray: np.ndarray) -> bool | None:
    """Whether the page's text lines run top to bottom (the page lies on its side); None when
    there is too little text to tell. A check on OSD, which guesses on sparse pages."""
    ink = _ink(gray)
    horizontal = _line_blobs(ink, (3, 15))
    vertical = _line_blobs(ink, (15, 3))
    if horizontal + vertical < 4:
        return None
    if vertical > 2 * horizontal:
        return True
    if horizontal > 2 * vertical:
        return False
    return None


def estimate_skew(gray: np.ndarray) -> float:
    """The angle (degrees, counter-clockwise positive as OpenCV rotates) that levels the
    page's text lines, from the median orientation of line-shaped ink blobs; 0 when there are
    too few to tell."""
    joined = cv2.morphologyEx(_ink(gray), cv2.MORPH_CLOSE, np.ones((3, 15), np.uint8))
    contours, _ = cv2.findContours(joined, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    angles: list[float] = []
    weights: list[float] = []
    for contour in contours:
        (_, _), (w, h), angle = cv2.minAreaRect(contour)
        if w < h:
            w, h = h, w
            angle -= 90
        if w < 40 or h < 3 or w / h < 4:
            continue
        angle = (angle + 90) % 180 - 90
        if abs(angle) <= MAX_SKEW_DEGREES:
            angles.append(angle)
            weights.append(w)
    if len(angles) < 3:
        return 0.0
    order = np.argsort(angles)
    cumulative = np.cumsum(np.asarray(weights)[order])
    median = float(np.asarray(angles)[order][np.searchsorted(cumulative, cumulative[-1] / 2)])
    return median


def _deskew(gray: np.ndarray, angle: float) -> tuple[np.ndarray, np.ndarray]:
    """Rotate by `angle` degrees about the centre, growing the canvas so nothing is cut."""
    height, width = gray.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_width = int(height * sin + width * cos)
    new_height = int(height * cos + width * sin)
    matrix[0, 2] += new_width / 2 - width / 2
    matrix[1, 2] += new_height / 2 - height / 2
    rotated = cv2.warpAffine(
        gray, matrix, (new_width, new_height), flags=cv2.INTER_CUBIC, borderValue=255
    )
    return rotated, np.vstack([matrix, [0, 0, 1]])


def _sample_confidence(gray: np.ndarray, ocr: OcrEngine, lang: str) -> float:
    """Mean word confidence of OCR on the page's middle band, for pages whose English reading
    says nothing (Japanese-only sides): upside-down text reads as low-confidence garbage."""
    height = gray.shape[0]
    band = gray[int(height * 0.35) : int(height * 0.65)]
    factor = min(1.0, OSD_SIDE / max(band.shape))
    band = cv2.resize(band, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    return legibility(ocr.read(band, lang=lang, psm=6))


def legibility(reading: OcrResult) -> float:
    """Mean confidence of the words of two letters or more; 0 for a page with none."""
    words = [w for w in reading.words if len(w.text) >= 2]
    return sum(w.confidence for w in words) / len(words) if words else 0.0


def confident_words(reading: OcrResult) -> int:
    """Words of four letters or more read with high confidence. Text read upside down
    yields almost none, upright text yields some even on a card full of Japanese."""
    return sum(
        1
        for w in reading.words
        if len(w.text) >= 4 and w.text.isalpha() and w.confidence >= CONFIDENT_WORD
    )


def even_light(gray: np.ndarray) -> np.ndarray:
    """The page divided by an estimate of its paper (ink closed away, then smoothed), so
    shade and a lamp's gradient across a photo no longer darken whole lines."""
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (LIGHT_KERNEL, LIGHT_KERNEL))
    paper = cv2.morphologyEx(gray, cv2.MORPH_CLOSE, kernel)
    paper = cv2.GaussianBlur(paper, (0, 0), LIGHT_KERNEL / 2).astype(np.float32)
    ratio = gray.astype(np.float32) / np.maximum(paper, 1.0)
    return np.clip(ratio * 255.0, 0, 255).astype(np.uint8)


def _lies_on_a_background(gray: np.ndarray, corners: np.ndarray) -> bool:
    """Whether what lies outside the outline differs in tone from the paper inside it: a
    desk does, while a printed frame on a scanned page has paper (and text) all around. The
    whole areas are compared, and the bands along the outline too: a shadow across a photo
    can darken the paper to the desk's median tone, never both sides of its edge alike."""
    inside = np.zeros(gray.shape, np.uint8)
    cv2.fillConvexPoly(inside, corners.astype(np.int32), 1)
    paper, around = gray[inside == 1], gray[inside == 0]
    if around.size == 0:
        return False
    contrast = abs(float(np.median(paper)) - float(np.median(around)))
    return contrast >= MIN_BACKGROUND_CONTRAST or _edge_contrast(gray, inside) >= MIN_EDGE_CONTRAST


def _edge_contrast(gray: np.ndarray, inside: np.ndarray) -> float:
    """Grey levels between a band of the paper along the outline and a band of what lies
    along it outside, each a little away from the edge (and from a frame printed on it)."""
    gap = max(3, round(EDGE_BAND * max(gray.shape)))
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (2 * gap + 1, 2 * gap + 1))
    near_in = cv2.erode(inside, kernel)
    near_out = cv2.dilate(inside, kernel)
    band_in = gray[(near_in == 1) & (cv2.erode(near_in, kernel) == 0)]
    band_out = gray[(cv2.dilate(near_out, kernel) == 1) & (near_out == 0)]
    if band_in.size == 0 or band_out.size == 0:
        return 0.0
    return abs(float(np.median(band_in)) - float(np.median(band_out)))


def straighten(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the document cut out of a photo and squared up with its lighting evened, the
    homography from `gray`). A scan or a tight crop shows no outline and passes unchanged
    with the identity."""
    corners = find_outline(gray, min_area_share=MIN_PAGE_AREA)
    # A hand-held shot leaves a sheet's corners near square; an outline pieced together from
    # a card's printed lines and the photo's edge is not, and cutting it out loses half the card.
    if (
        corners is None
        or corner_skew(corners) > MAX_CORNER_SKEW
        or not _lies_on_a_background(gray, corners)
    ):
        return gray, np.eye(3)
    width, height = side_lengths(corners)
    # Enlarged in the same warp when small, so the glyphs are resampled once, not twice.
    factor = min(MAX_UPSCALE, max(1.0, MIN_SIDE / max(width, height)))
    flat, forward = rectify(gray, corners, (round(width * factor), round(height * factor)))
    return even_light(flat), forward


def _candidate_turns(gray: np.ndarray, ocr: OcrEngine) -> tuple[int, int]:
    """The two orientations the direction of the text lines allows, likelier first."""
    small = _osd_size(gray)
    if not text_runs_vertically(small):
        return (0, 180)
    return _quarter_turns(small, ocr)


def _osd_size(gray: np.ndarray) -> np.ndarray:
    factor = min(1.0, OSD_SIDE / max(gray.shape))
    return cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)


def _quarter_turns(small: np.ndarray, ocr: OcrEngine) -> tuple[int, int]:
    """The two turns of a page lying on its side, the one OSD names first."""
    osd = ocr.orientation(small)
    return (270, 90) if osd.rotate == 270 and osd.confidence >= MIN_OSD_CONFIDENCE else (90, 270)


def reads_sideways(reading: OcrResult) -> bool:
    """Whether Tesseract read the page's lines as running top to bottom: its layout analysis
    reads such lines itself, so a page on its side can come back with confident words, every
    word in a box taller than wide. A passport's art and photo leave too few line-shaped
    blobs to tell its text's direction from the ink alone."""
    words = [w for w in reading.words if len(w.text) >= 4]
    tall = sum(1 for w in words if w.bbox[3] > w.bbox[2])
    return len(words) >= MIN_SIDEWAYS_WORDS and tall > len(words) / 2


def shows_turned_fillers(reading: OcrResult) -> bool:
    """Whether the page's reading holds a run of '>': a machine-readable zone read upside
    down turns its fillers '<' into '>', which no document prints, while the rest of such a
    page can still yield a few confident junk words (a passport scanned upside down, seed 53
    c018, read five)."""
    return TURNED_FILLERS in reading.text


def _turn_and_level(
    gray: np.ndarray, forward: np.ndarray, turn: int
) -> tuple[np.ndarray, np.ndarray]:
    turned, matrix = _rotation_90(gray, turn)
    forward = matrix @ forward
    angle = estimate_skew(turned)
    if abs(angle) >= MIN_SKEW_DEGREES:
        turned, rotation = _deskew(turned, angle)
        forward = rotation @ forward
    return turned, forward


def prepare_page(page: Page, ocr: OcrEngine) -> PreparedPage:
    """The page cut out of its background in a photo, upright, deskewed, grayscale and between
    MIN_SIDE and MAX_SIDE pixels on its long side, with its whole-page reading. Upright is
    decided by reading: the likelier orientation is read first and kept when it reads as text,
    so an upright page costs one reading, which the classifier and the readers reuse. Born-
    digital PDF pages are already upright and read from their text layer."""
    gray = cv2.cvtColor(page.image, cv2.COLOR_BGR2GRAY)
    forward = np.eye(3)
    if not page.text_layer.strip():
        gray, forward = straighten(gray)
    long_side = max(gray.shape)
    factor = min(1.0, MAX_SIDE / long_side)
    if long_side < MIN_SIDE:
        factor = min(MAX_UPSCALE, MIN_SIDE / long_side)
    if factor != 1.0:
        interpolation = cv2.INTER_AREA if factor < 1.0 else cv2.INTER_CUBIC
        gray = cv2.resize(gray, None, fx=factor, fy=factor, interpolation=interpolation)
        forward = _scale_matrix(factor) @ forward
    if page.text_layer.strip():
        prepared = PreparedPage(source=page, image=gray, to_original=np.linalg.inv(forward))
        prepared.ocr = read_page(prepared, ocr)
        return prepared
    tried: list[tuple[PreparedPage, OcrResult]] = []
    sideways: list[PreparedPage] = []
    pending = list(_candidate_turns(gray, ocr))
    other_pair_taken = False
    while pending:
        turn = pending.pop(0)
        image, matrix = _turn_and_level(gray, forward, turn)
        prepared = PreparedPage(source=page, image=image, to_original=np.linalg.inv(matrix))
        prepared.ocr = reading = read_page(prepared, ocr)
        if reads_sideways(reading):  # the text's direction was misjudged
            sideways.append(prepared)
            if not other_pair_taken:
                other_pair_taken = True
                upright_pair = turn in (0, 180)
                pending = list(_quarter_turns(_osd_size(gray), ocr)) if upright_pair else [0, 180]
            continue
        if len(reading.words) < MIN_CONFIDENT_WORDS and not tried and not sideways:
            return prepared  # nothing that reads as text either way round: a photo, a blank
        enough = max(MIN_CONFIDENT_WORDS, CONFIDENT_SHARE * len(reading.words))
        if confident_words(reading) >= enough and not shows_turned_fillers(reading):
            return prepared
        tried.append((prepared, reading))
    if not tried:  # read sideways every way round (lines of vertical Japanese)
        return sideways[0]
    confident = [confident_words(reading) for _, reading in tried]
    if max(confident) >= MIN_CONFIDENT_WORDS:
        return tried[confident.index(max(confident))][0]
    # Every page tried read as words, but little or no English: a Japanese side, or a blurred
    # photo. One or two "confident" words are no proof (a card number upside down reads
    # SLZVELOOTEHN), and a blurred photo's Japanese reads about as badly either way round.
    # Pages come upright far more often than not: the likelier turn is kept when it reads more
    # confident words than the others, or when no other reads clearly better in Japanese.
    if len(tried) == 1 or confident[0] > max(confident[1:]):
        return tried[0][0]
    japanese = [_sample_confidence(prepared.image, ocr, "jpn") for prepared, _ in tried]
    best = japanese.index(max(japanese))
    return tried[best][0] if japanese[best] >= japanese[0] + CLEARLY_BETTER else tried[0][0]
