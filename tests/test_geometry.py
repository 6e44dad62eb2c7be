"""Page straightening: a document photographed on a desk is found and squared up, and a
flat scan passes through untouched."""

import cv2
import numpy as np

from pipeline.geometry import find_outline
from pipeline.preprocess import straighten


def _page(width: int = 850, height: int = 1100) -> np.ndarray:
    """A white sheet with lines of dark 'text' and a marker block at a known place."""
    page = np.full((height, width), 245, np.uint8)
    for y in range(120, height - 120, 45):
        cv2.putText(page, "NAME DATE OF BIRTH 1990", (80, y), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 20, 2)
    cv2.rectangle(page, (600, 900), (700, 960), 0, -1)
    return page


def _photo(page: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sheet warped with perspective onto a textured desk; (photo, page corners in it)."""
    rng = np.random.default_rng(5)
    desk = rng.normal(90, 25, (1400, 1200)).clip(0, 255).astype(np.uint8)
    desk = cv2.GaussianBlur(desk, (0, 0), 2)
    height, width = page.shape
    source = np.float32([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]])
    corners = np.float32([[190, 130], [1010, 170], [1050, 1270], [150, 1230]])
    matrix = cv2.getPerspectiveTransform(source, corners)
    warped = cv2.warpPerspective(page, matrix, (1200, 1400))
    mask = cv2.warpPerspective(np.full_like(page, 255), matrix, (1200, 1400))
    photo = np.where(mask > 0, warped, desk)
    return photo, corners


def test_outline_of_a_photographed_page_is_found():
    photo, corners = _photo(_page())
    found = find_outline(photo, min_area_share=0.25)
    assert found is not None
    assert np.abs(found - corners).max() < 12


def test_straightened_page_maps_back_to_the_photo():
    photo, corners = _photo(_page())
    flat, forward = straighten(photo)
    height, width = flat.shape
    assert abs(width / height - 850 / 1100) < 0.05
    marker = np.argwhere(flat[: height - 20, : width - 20] < 60)  # the black block, not text
    blocks = marker[(marker[:, 0] > 0.75 * height) & (marker[:, 1] > 0.65 * width)]
    y, x = blocks.mean(axis=0)
    back = np.linalg.inv(forward) @ np.array([x, y, 1.0])
    back = back[:2] / back[2]
    page_to_photo = cv2.getPerspectiveTransform(
        np.float32([[0, 0], [849, 0], [849, 1099], [0, 1099]]), corners
    )
    expected = page_to_photo @ np.array([650.0, 930.0, 1.0])
    assert np.linalg.norm(back - expected[:2] / expected[2]) < 15


def test_flat_scan_passes_unchanged():
    scan = _page()
    flat, forward = straighten(scan)
    assert flat is scan
    assert np.array_equal(forward, np.eye(3))


def test_a_false_outline_inside_a_photographed_card_is_not_cut_out():
    """In this committed phone photo of a card, the card's printed lines and the photo's edge
    make a convex quadrilateral with a corner far from square; cutting it out lost the title
    and the card went unclassified."""
    from pathlib import Path

    photo = Path(__file__).resolve().parents[1] / "samples" / "inbox" / "c003" / "card_front.jpg"
    gray = cv2.imread(str(photo), cv2.IMREAD_GRAYSCALE)
    flat, forward = straighten(gray)
    assert flat is gray
    assert np.array_equal(forward, np.eye(3))


def test_corner_skew_measures_the_least_square_corner():
    from pipeline.geometry import corner_skew

    rectangle = np.array([[0, 0], [100, 0], [100, 60], [0, 60]], np.float32)
    assert corner_skew(rectangle) < 1e-6
    leaning = np.array([[0, 0], [100, 0], [130, 60], [30, 60]], np.float32)  # a parallelogram
    assert abs(corner_skew(leaning) - 26.565) < 0.01


def _levelled_photo(angle: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A card-shaped sheet lying tilted on a grey desk, the whole photo then turned level on
    a white canvas as page preparation does: (levelled image, the card's corners in it, the
    photo's own corners in it)."""
    photo = np.full((1000, 1500), 150, np.uint8)
    card = np.array([[300, 250], [1100, 250], [1100, 754], [300, 754]], np.float32)
    tilt = cv2.getRotationMatrix2D((750, 500), -angle, 1.0)
    card = cv2.transform(card[None], tilt)[0]
    cv2.fillConvexPoly(photo, card.astype(np.int32), 235)
    frame = np.float32([[0, 0], [1499, 0], [1499, 999], [0, 999]])
    level = cv2.getRotationMatrix2D((750, 500), angle, 1.0)
    level[:, 2] += (200, 200)
    image = cv2.warpAffine(photo, level, (1900, 1400), borderValue=255)
    return image, cv2.transform(card[None], level)[0], cv2.transform(frame[None], level)[0]


def test_levelled_photo_frame_is_not_taken_for_the_card():
    """Levelling a photo by a few degrees leaves its border as a sharp tilted frame on the
    white fill; with about a card's proportions it was taken for the card's outline."""
    image, card, frame = _levelled_photo(8.0)
    card_aspect = 85.60 / 53.98
    unguarded = find_outline(image, min_area_share=0.15, aspect=card_aspect)
    assert unguarded is not None and np.abs(unguarded - frame).max() < 12
    found = find_outline(image, min_area_share=0.15, aspect=card_aspect, exclude=frame)
    assert found is not None
    assert np.abs(found - card).max() < 12


def test_a_corner_lost_in_glare_is_put_back():
    """A lamp's glare on the desk round one corner makes it the page's own tone there: the
    corner's edges vanish and the convex hull cuts it off with a slanted side few edges lie
    on, so the outline was refused and the document read unstraightened (a residence card
    whose bottom band matched the desk: card bench phone seed 22). The seen stretches of the
    two sides, extended, meet at the lost corner."""
    photo, corners = _photo(_page())
    lost = corners[2]  # bottom right
    rows, columns = np.mgrid[0 : photo.shape[0], 0 : photo.shape[1]]
    glare = np.exp(-((columns - lost[0]) ** 2 + (rows - lost[1]) ** 2) / (2 * 60.0**2))
    lit = photo + glare * (245 - 90)
    photo = np.where(photo < 200, lit, np.maximum(photo, lit)).clip(0, 255).astype(np.uint8)
    found = find_outline(photo, min_area_share=0.25)
    assert found is not None
    assert np.abs(found - corners).max() < 12


def test_a_hull_with_two_corners_in_one_is_not_mended() -> None:
    """A side of no length has no direction: every straight stretch in the picture would
    pass for its edge (here a line far below the hull)."""
    from pipeline.geometry import recover_cut_corner

    edges = np.zeros((400, 400), np.uint8)
    cv2.line(edges, (0, 390), (399, 390), 255, 3)
    doubled = np.array([[50, 50], [350, 50], [200, 340], [200, 340]], np.float32)
    assert recover_cut_corner(edges, doubled) is None


def test_a_scanned_page_with_a_printed_frame_passes_unchanged():
    """A frame printed round a form has paper on both sides of it: no desk to cut away."""
    scan = np.full((1300, 1000), 245, np.uint8)
    scan[150:1150, 75:925] = _page()[100:1100, :850]
    cv2.rectangle(scan, (60, 60), (940, 1240), 30, 4)
    flat, forward = straighten(scan)
    assert flat is scan
    assert np.array_equal(forward, np.eye(3))


def test_a_card_in_shadow_on_a_light_desk_is_cut_out(tmp_path):
    """Bench case c001 of `samples --seed 21`: a shadow across the phone photo darkens the
    card to the light desk's median tone, so the card was not cut out and Tesseract found six
    words on the whole photo; the card's edge still stands out against the desk beside it."""
    from pipeline.load import load_file
    from samples.generate import DEFAULT_PROFILES
    from tests.conftest import bench_document

    path, _ = bench_document(tmp_path, 21, 0, "reentry_ed_card", DEFAULT_PROFILES)
    gray = cv2.cvtColor(load_file(path, path.name)[0].image, cv2.COLOR_BGR2GRAY)
    _, forward = straighten(gray)
    assert not np.allclose(forward, np.eye(3))
