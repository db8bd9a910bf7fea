"""Zhang–Suen thinning (Comm. ACM 1984) with NumPy, following only the pixels that can still change.

The image is padded with one background pixel. Each iteration has two parallel
sub-passes; a foreground pixel is removed when it has 2..6 foreground
neighbours, exactly one 0→1 transition around its 8-neighbourhood, and the
sub-pass condition holds (pass 1: N·E·S = 0 and E·S·W = 0; pass 2: N·E·W = 0
and N·S·W = 0). Only pixels next to a removed pixel are re-examined, so a
large blob costs about its perimeter per iteration instead of its area.
"""

from __future__ import annotations

import numpy as np

# neighbour order clockwise from north: N, NE, E, SE, S, SW, W, NW; bit i = neighbour i
_DY = (-1, -1, 0, 1, 1, 1, 0, -1)
_DX = (0, 1, 1, 1, 0, -1, -1, -1)


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
    return first, second


_FIRST, _SECOND = _removal_tables()


def skeletonize(mask: np.ndarray) -> np.ndarray:
    """The one-pixel-wide Zhang–Suen skeleton of a 2-D boolean mask."""
    h, w = mask.shape
    stride = w + 2
    img = np.zeros((h + 2) * stride, np.uint8)
    img.reshape(h + 2, stride)[1:-1, 1:-1] = mask
    offsets = np.array([dy * stride + dx for dy, dx in zip(_DY, _DX)], np.int64)
    weights = (1 << np.arange(8)).astype(np.int64)
    flat = np.flatnonzero(img)
    if flat.size == 0:
        return np.zeros((h, w), bool)
    # start from the pixels with at least one background neighbour
    cand = flat[(img[flat[:, None] + offsets] == 0).any(axis=1)]
    stamp = np.full(img.size, -1, np.int64)
    tables = (_FIRST, _SECOND)
    idle_passes = 0
    sub = 0
    while idle_passes < 2:
        table = tables[sub % 2]
        codes = img[cand[:, None] + offsets].astype(np.int64) @ weights
        remove = table[codes]
        gone = cand[remove]
        if gone.size == 0:
            idle_passes += 1
        else:
            idle_passes = 0
            img[gone] = 0
        # next candidates: survivors removable in the other sub-pass, and live neighbours of removed pixels
        other = tables[(sub + 1) % 2]
        keep = cand[~remove]
        if gone.size:
            keep = keep[other[img[keep[:, None] + offsets].astype(np.int64) @ weights]]
            near = (gone[:, None] + offsets).ravel()
            near = near[img[near] == 1]
            pool = np.concatenate([keep, near])
        else:
            pool = keep[other[codes[~remove]]]
        order = np.arange(pool.size)
        stamp[pool] = order
        cand = pool[stamp[pool] == order]
        sub += 1
    return img.reshape(h + 2, stride)[1:-1, 1:-1].astype(bool)
