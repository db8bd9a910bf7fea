"""Zhang–Suen thinning as scikit-image's ``skeletonize`` runs it (its default for 2-D images), with NumPy.

scikit-image documents ``skeletonize`` as Zhang & Suen (Comm. ACM 27(3), 1984):
the image is padded with background, and each iteration has two parallel
sub-passes in which every foreground pixel's 8-neighbourhood code is looked up
in a 256-entry table whose values say "removable in sub-pass 1 / 2 / both";
iterations stop when a whole iteration removes nothing.

The table here starts from the paper's conditions: a pixel is removable when it
has 2..6 foreground neighbours, exactly one 0→1 transition around its
neighbourhood (N, NE, E, …, NW, N), and the sub-pass condition holds (pass 1:
N·E·S = 0 and E·S·W = 0; pass 2: N·E·W = 0 and N·S·W = 0). scikit-image's
table is not exactly that (users cannot regenerate it from the paper, see
scikit-image issue #6175): 25 neighbourhoods behave differently. We found
them by black-box comparison of whole skeletons with ``skimage.morphology.skeletonize``
(tests/test_skeleton.py keeps checking it) and list them in ``_DEVIATIONS``:
right-angle corners (e.g. N+E) are removable, and short diagonal ends are
removable only in one sub-pass (or never, for SE+S and W+NW).

Only pixels next to a removed pixel are re-examined (their codes are updated
in place), so a large blob costs about its perimeter per iteration instead of
its area.
"""

from __future__ import annotations

import numpy as np

# neighbour order clockwise from north: N, NE, E, SE, S, SW, W, NW; bit i = neighbour i
_DY = (-1, -1, 0, 1, 1, 1, 0, -1)
_DX = (0, 1, 1, 1, 0, -1, -1, -1)


_NAMES = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")

# neighbourhood (foreground neighbours joined by "+") -> (removable in pass 1, removable in pass 2)
_DEVIATIONS: dict[str, tuple[bool, bool]] = {
    # right-angle corners and their variants: the paper's transition count says 2, skimage removes them
    "N+E": (True, True), "E+S": (True, True), "N+W": (True, True), "S+W": (True, True),
    "N+E+SE": (False, True), "E+S+SW": (False, True), "NE+E+S+SW": (False, True), "SE+S+W": (False, True),
    "N+NE+W": (True, False), "N+SW+W": (True, False), "N+NE+SW+W": (True, False),
    "N+E+NW": (True, False), "S+W+NW": (True, False),
    # ends of diagonal strokes: one sub-pass only, or never
    "N+NE": (True, False), "NE+E": (True, False), "N+NE+E": (True, False),
    "N+NW": (True, False), "N+W+NW": (True, False),
    "E+SE": (False, True), "E+SE+S": (False, True), "S+SW": (False, True),
    "SW+W": (False, True), "S+SW+W": (False, True),
    "SE+S": (False, False), "W+NW": (False, False),
}


def _code(names: str) -> int:
    return sum(1 << _NAMES.index(name) for name in names.split("+"))


def _removal_tables() -> tuple[np.ndarray, np.ndarray]:
    """For every 8-neighbourhood code: removable in sub-pass 1, removable in sub-pass 2."""
    codes = np.arange(256)
    bits = (codes[:, None] >> np.arange(8)) & 1
    count = bits.sum(axis=1)
    transitions = ((bits == 0) & (np.roll(bits, -1, axis=1) == 1)).sum(axis=1)
    n, e, s, w = bits[:, 0], bits[:, 2], bits[:, 4], bits[:, 6]
    common = (count >= 2) & (count <= 6) & (transitions == 1)
    first = common & (n * e * s == 0) & (e * s * w == 0)
    second = common & (n * e * w == 0) & (n * s * w == 0)
    for names, (one, two) in _DEVIATIONS.items():
        first[_code(names)], second[_code(names)] = one, two
    return first, second


_FIRST, _SECOND = _removal_tables()


def skeletonize(mask: np.ndarray) -> np.ndarray:
    """The one-pixel-wide skeleton of a 2-D boolean mask, equal to scikit-image's ``skeletonize``.

    Every pixel's neighbourhood code is kept in a code image and updated when a
    neighbour is removed, so a sub-pass only reads the codes of its candidates:
    the survivors still removable in the next sub-pass, and the live neighbours
    of pixels just removed.
    """
    h, w = mask.shape
    stride = w + 2
    img2d = np.zeros((h + 2, stride), np.uint8)
    img2d[1:-1, 1:-1] = mask
    code2d = np.zeros_like(img2d)
    for bit, (dy, dx) in enumerate(zip(_DY, _DX)):
        code2d[1:-1, 1:-1] |= img2d[1 + dy : h + 1 + dy, 1 + dx : w + 1 + dx] << np.uint8(bit)
    img, code = img2d.ravel(), code2d.ravel()
    offsets = np.array([dy * stride + dx for dy, dx in zip(_DY, _DX)], np.int64)
    # a pixel at offset ``offsets[bit]`` from a removed pixel sees it in the opposite direction
    clear = [np.uint8(~(1 << ((bit + 4) % 8)) & 0xFF) for bit in range(8)]
    edge = (code2d != 0xFF) & (img2d == 1)  # only pixels with a background neighbour can be removed first
    cand = np.flatnonzero(edge)
    stamp = np.full(img.size, -1, np.int64)
    tables = (_FIRST, _SECOND)
    idle_passes = 0
    sub = 0
    while idle_passes < 2 and cand.size:
        remove = tables[sub % 2][code[cand]]
        gone = cand[remove]
        keep = cand[~remove]
        keep = keep[tables[(sub + 1) % 2][code[keep]]]
        if gone.size == 0:
            idle_passes += 1
            cand = keep
            sub += 1
            continue
        idle_passes = 0
        img[gone] = 0
        near = np.empty((8, gone.size), np.int64)
        for bit in range(8):
            np.add(gone, offsets[bit], out=near[bit])
            code[near[bit]] &= clear[bit]
        near = near.ravel()
        near = near[img[near] == 1]
        pool = np.concatenate([keep, near])
        order = np.arange(pool.size)
        stamp[pool] = order
        cand = pool[stamp[pool] == order]
        sub += 1
    return img2d[1:-1, 1:-1].astype(bool)
