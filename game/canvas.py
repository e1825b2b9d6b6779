"""Draw for D's canvas: mouse strokes as a 28x28 digit drawn the way MNIST's were, in numpy alone.

A stroke is a list of points in canvas pixels (0 to 28, floats, as the mouse
moved over the enlarged canvas). `render` paints strokes with an anti-aliased
round brush about 2.5 pixels wide, like MNIST's pen strokes after their
normalisation. `centred` then does to the drawing what MNIST did to NIST's
digits (LeCun et al.): scale it, keeping its aspect ratio, so that its ink fits
a 20x20 box, and move it so that its centre of mass sits at the centre of the
28x28 field. Because the strokes are kept as lines, both steps redraw them
rather than resample pixels, so the brush keeps its width and stays crisp.
No pygame, no torch.
"""

import numpy as np

SIDE = 28  # MNIST's field
BOX = 20  # MNIST's digits were scaled to fit this box, then centred by centre of mass
BRUSH_CORE = 0.75  # pixels from the stroke's centre line that are full ink
BRUSH_EDGE = 1.1  # then ink fades to nothing over this many pixels: a stroke about 2.5 px wide, anti-aliased
MAX_ZOOM = 3.0  # a dot or a tiny scribble is enlarged at most this much, not blown up to fill the box

CENTRES = np.arange(SIDE) + 0.5  # pixel centres along one axis


def render(strokes, side: int = SIDE) -> np.ndarray:
    """(side, side) uint8: the strokes painted white on black with the brush."""
    segments = []
    for stroke in strokes:
        points = np.asarray(stroke, dtype=float).reshape(-1, 2)
        if len(points):
            points = points if len(points) > 1 else np.repeat(points, 2, axis=0)  # a click is a dot
            segments.append(np.concatenate([points[:-1], points[1:]], axis=1))  # (n - 1, 4): x0, y0, x1, y1
    if not segments:
        return np.zeros((side, side), dtype=np.uint8)
    x0, y0, x1, y1 = (column[:, None, None] for column in np.concatenate(segments).T)  # each (S, 1, 1)
    ys, xs = np.meshgrid(np.arange(side) + 0.5, np.arange(side) + 0.5, indexing="ij")  # (side, side)
    dx, dy = x1 - x0, y1 - y0
    length = np.maximum(dx * dx + dy * dy, 1e-12)
    t = np.clip(((xs - x0) * dx + (ys - y0) * dy) / length, 0.0, 1.0)  # (S, side, side): nearest point's place
    distance = np.hypot(xs - (x0 + t * dx), ys - (y0 + t * dy)).min(axis=0)  # (side, side)
    ink = np.clip(1.0 - (distance - BRUSH_CORE) / BRUSH_EDGE, 0.0, 1.0)
    return np.round(ink * 255).astype(np.uint8)


def centre_of_mass(image: np.ndarray) -> tuple[float, float] | None:
    """(x, y) of the ink's centre of mass in pixel coordinates (a pixel's centre is at +0.5); None when blank."""
    weights = image.astype(float)
    total = weights.sum()
    if total <= 0:
        return None
    return float((weights.sum(axis=0) * CENTRES[: image.shape[1]]).sum() / total), float(
        (weights.sum(axis=1) * CENTRES[: image.shape[0]]).sum() / total
    )


def ink_box(image: np.ndarray, level: int = 0) -> tuple[int, int, int, int] | None:
    """(left, top, right, bottom), exclusive, of the pixels brighter than `level`; None when there are none."""
    rows, columns = np.nonzero(image > level)
    if not len(rows):
        return None
    return int(columns.min()), int(rows.min()), int(columns.max()) + 1, int(rows.max()) + 1


def transformed(strokes, scale: float, dx: float, dy: float) -> list:
    return [[(x * scale + dx, y * scale + dy) for x, y in stroke] for stroke in strokes]


def centred(strokes) -> np.ndarray:
    """(28, 28) uint8: the drawing scaled to fit the 20x20 box and moved so its centre of mass is the centre."""
    points = np.asarray([point for stroke in strokes for point in stroke], dtype=float).reshape(-1, 2)
    if not len(points):
        return np.zeros((SIDE, SIDE), dtype=np.uint8)
    # Scale the centre lines so that the ink, brush included, spans 20 pixels along its longer side.
    reach = BRUSH_CORE + BRUSH_EDGE / 2  # how far ink reaches beyond a centre line, to its half-grey edge
    extent = float((points.max(axis=0) - points.min(axis=0)).max())
    scale = MAX_ZOOM if extent <= 0 else min(MAX_ZOOM, (BOX - 2 * reach) / extent)
    middle = (points.max(axis=0) + points.min(axis=0)) / 2
    moved = transformed(strokes, scale, SIDE / 2 - middle[0] * scale, SIDE / 2 - middle[1] * scale)
    # Then shift by the centre of mass's offset; once more, since the field's edge can clip a little ink.
    for _ in range(2):
        x, y = centre_of_mass(render(moved))
        moved = transformed(moved, 1.0, SIDE / 2 - x, SIDE / 2 - y)
    return render(moved)
