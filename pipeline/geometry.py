"""Finding a flat document (a sheet or a card) photographed against its background: the
largest convex quadrilateral whose four sides lie on edges all along. Shared by page
straightening and the residence card locator so the outline test is written once."""

from __future__ import annotations

import cv2
import numpy as np

WORKING_SIDE = 900  # outlines are found at this size: enough for corners, cheap to search
MIN_EDGE_SUPPORT = 0.75  # a document's sides are edges all along; a desk's hull only in places
MAX_AREA_SHARE = 0.97  # an outline covering the whole picture is the picture's own border
SAME_CORNER = 0.03  # share of the picture's long side within which two corners are one
WELL_SUPPORTED = 0.9  # a side with edges along this share of it is where the hull put it
CUT_CORNER_SUPPORT = 0.65  # a hull with one corner cut off still lies on edges this much
SIDE_ANGLE = 8.0  # degrees a seen stretch of edge may turn from the hull's side it replaces
SIDE_DISTANCE = 0.04  # share of the long side it may lie from that side
MIN_STRETCH = 0.2  # share of the hull's side a seen stretch must run along
STRETCH_VOTES = 80  # edge pixels on a straight stretch for the line search to report it
MIN_SIDE_PIXELS = 2.0  # a side shorter than this is two corners in one
MIN_CORNER_SINE = 0.5  # sides meeting at under 30 degrees make no document's corner
CORNER_MARGIN = 0.1  # share of the long side a mended corner may lie outside the picture


def order_corners(points: np.ndarray) -> np.ndarray:
    """Top-left, top-right, bottom-right, bottom-left."""
    total = points.sum(axis=1)
    difference = np.diff(points, axis=1).ravel()
    return np.array(
        [
            points[np.argmin(total)],
            points[np.argmin(difference)],
            points[np.argmax(total)],
            points[np.argmax(difference)],
        ],
        dtype=np.float32,
    )


def side_lengths(corners: np.ndarray) -> tuple[float, float]:
    """(mean width, mean height) of an ordered quadrilateral."""
    width = np.linalg.norm(corners[1] - corners[0]) + np.linalg.norm(corners[2] - corners[3])
    height = np.linalg.norm(corners[3] - corners[0]) + np.linalg.norm(corners[2] - corners[1])
    return float(width / 2), float(height / 2)


def corner_skew(corners: np.ndarray) -> float:
    """Degrees by which the quadrilateral's least square corner strays from a right angle."""
    skew = 0.0
    for index in range(4):
        before = corners[index - 1] - corners[index]
        after = corners[(index + 1) % 4] - corners[index]
        cosine = float(np.dot(before, after) / (np.linalg.norm(before) * np.linalg.norm(after)))
        skew = max(skew, abs(90.0 - float(np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0))))))
    return skew


def _hits_along(edges: np.ndarray, start: np.ndarray, end: np.ndarray) -> tuple[int, int]:
    """(points on an edge, points) sampled a pixel apart from `start` to `end`."""
    height, width = edges.shape
    hits = total = 0
    for t in np.linspace(0.0, 1.0, max(2, int(np.linalg.norm(end - start)))):
        x, y = (start + t * (end - start)).astype(int)
        total += 1
        hits += bool(0 <= x < width and 0 <= y < height and edges[y, x])
    return hits, total


def edge_support(edges: np.ndarray, corners: np.ndarray) -> float:
    """Share of the quadrilateral's outline that lies on edges."""
    sides = [
        _hits_along(edges, start, end)
        for start, end in zip(corners, np.roll(corners, -1, axis=0), strict=True)
    ]
    return sum(hits for hits, _ in sides) / sum(total for _, total in sides)


Line = tuple[np.ndarray, np.ndarray]  # a point on it and its direction


def _line_through(start: np.ndarray, end: np.ndarray) -> Line:
    return start.astype(np.float64), (end - start).astype(np.float64)


def _meet(first: Line, second: Line) -> np.ndarray | None:
    """Where two sides' lines cross; None when they are too near parallel to make a corner."""
    (point, direction), (other_point, other_direction) = first, second
    direction = direction / np.linalg.norm(direction)
    other_direction = other_direction / np.linalg.norm(other_direction)
    matrix = np.column_stack([direction, -other_direction])
    if abs(float(np.linalg.det(matrix))) < MIN_CORNER_SINE:
        return None
    along, _ = np.linalg.solve(matrix, other_point - point)
    return point + along * direction


def recover_cut_corner(edges: np.ndarray, corners: np.ndarray) -> np.ndarray | None:
    """The outline with a corner the convex hull cut off put back. Where a corner is lost
    (the card's edge the same tone as the desk there), the hull runs a side across the
    document at a slant and finds few edges on it; the stretch of that side's own edge that
    is seen (a straight segment near the hull's side, at about its angle, on or outside
    it) is extended to meet its neighbours. None when no side is to be mended so."""
    segments = cv2.HoughLinesP(
        edges, 1, np.pi / 360, STRETCH_VOTES, minLineLength=STRETCH_VOTES / 2, maxLineGap=6
    )
    if segments is None:
        return None
    segments = segments.reshape(-1, 4).astype(np.float64)
    long_side = max(edges.shape)
    centre = corners.mean(axis=0)
    lines: list[Line] = []
    mended = False
    for start, end in zip(corners, np.roll(corners, -1, axis=0), strict=True):
        if np.linalg.norm(end - start) < MIN_SIDE_PIXELS:
            return None  # two corners in one: no side to mend
        hits, total = _hits_along(edges, start, end)
        if hits / total >= WELL_SUPPORTED:
            lines.append(_line_through(start, end))
            continue
        direction = (end - start) / np.linalg.norm(end - start)
        normal = np.array([-direction[1], direction[0]])
        if np.dot(normal, start - centre) < 0:
            normal = -normal  # pointing out of the outline
        best = None
        for x0, y0, x1, y1 in segments:
            head, tail = np.array([x0, y0]), np.array([x1, y1])
            length = float(np.linalg.norm(tail - head))
            if length < MIN_STRETCH * float(np.linalg.norm(end - start)):
                continue
            cosine = abs(float(np.dot((tail - head) / length, direction)))
            if cosine < np.cos(np.radians(SIDE_ANGLE)):
                continue
            # On the side or outside it (2 px for the dilation); the document's own print
            # lies inside.
            offsets = [float(np.dot(point - start, normal)) for point in (head, tail)]
            if min(offsets) < -2.0 or max(offsets) > SIDE_DISTANCE * long_side:
                continue
            if best is None or length > best[0]:
                best = (length, head, tail)
        if best is None:
            lines.append(_line_through(start, end))
            continue
        lines.append(_line_through(best[1], best[2]))
        mended = True
    if not mended:
        return None
    recovered = [_meet(lines[index - 1], lines[index]) for index in range(4)]
    height, width = edges.shape
    margin = CORNER_MARGIN * long_side
    for point in recovered:
        if point is None or not (
            -margin <= point[0] <= width + margin and -margin <= point[1] <= height + margin
        ):
            return None  # sides that meet far off, or not at all: no corner of this picture
    return order_corners(np.array(recovered, dtype=np.float32))


def _proportioned(corners: np.ndarray, aspect: float | None, tolerance: float) -> bool:
    """Whether the quadrilateral is about `aspect` (width / height) wide, when one is asked."""
    if aspect is None:
        return True
    width, height = side_lengths(corners)
    return height > 0 and abs(width / height - aspect) <= tolerance * aspect


def find_outline(
    gray: np.ndarray,
    *,
    min_area_share: float,
    aspect: float | None = None,
    aspect_tolerance: float = 0.18,
    min_edge_support: float = MIN_EDGE_SUPPORT,
    exclude: np.ndarray | None = None,
) -> np.ndarray | None:
    """Corners (in `gray` pixels, ordered) of the largest convex quadrilateral covering at
    least `min_area_share` of the picture, with edges along its sides and, when `aspect` is
    given, about those proportions (width / height). The convex hull of a contour bridges
    a corner that is cut off or lost in shadow. `exclude` (four corners in `gray` pixels) is
    an outline to pass over: the loaded picture's own border, which a page levelled by a few
    degrees shows as a sharp tilted frame against the fill, larger than any document in it."""
    factor = min(1.0, WORKING_SIDE / max(gray.shape))
    small = cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    edges = cv2.Canny(cv2.GaussianBlur(small, (5, 5), 0), 30, 90)
    edges = cv2.dilate(edges, np.ones((3, 3), np.uint8))
    contours, _ = cv2.findContours(edges, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    excluded = None if exclude is None else order_corners(exclude.astype(np.float32)) * factor
    picture_area = small.shape[0] * small.shape[1]

    def area_and_shape_fit(corners: np.ndarray, area: float) -> bool:
        return (
            min_area_share * picture_area <= area <= MAX_AREA_SHARE * picture_area
            and _proportioned(corners, aspect, aspect_tolerance)
            and not (
                excluded is not None
                and np.all(
                    np.linalg.norm(corners - excluded, axis=1) < SAME_CORNER * max(small.shape)
                )
            )
        )

    best: tuple[float, np.ndarray] | None = None
    for contour in contours:
        hull = cv2.convexHull(contour)
        area = cv2.contourArea(hull)
        if best is not None and area <= best[0]:
            continue
        quad = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
        if len(quad) != 4:
            continue
        corners = order_corners(quad.reshape(4, 2).astype(np.float32))
        if not area_and_shape_fit(corners, area):
            continue
        support = edge_support(edges, corners)
        if support < min_edge_support:
            mended = recover_cut_corner(edges, corners) if support >= CUT_CORNER_SUPPORT else None
            if mended is None:
                continue
            area = float(cv2.contourArea(mended))
            if (
                not area_and_shape_fit(mended, area)
                or edge_support(edges, mended) < min_edge_support
            ):
                continue
            corners = mended
        best = (area, corners / factor)
    return best[1] if best is not None else None


def rectify(
    gray: np.ndarray, corners: np.ndarray, size: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """(the quadrilateral warped to a `size` (width, height) rectangle, the homography
    mapping `gray` points to it)."""
    width, height = size
    target = np.array(
        [[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], dtype=np.float32
    )
    forward = cv2.getPerspectiveTransform(corners.astype(np.float32), target)
    warped = cv2.warpPerspective(
        gray, forward, (width, height), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
    )
    return warped, forward
