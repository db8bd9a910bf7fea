"""Smooth colour fields and guided-filter coefficients that the refined edge reads at full resolution.

Everything here runs on the *work* resolution (about half a megapixel), where a soft mask carries all of its
information anyway; :mod:`u2studio.core.cutout.refine` samples the results at the full-resolution band pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


def extend_colours(image: np.ndarray, weight: np.ndarray, levels: int = 12) -> np.ndarray:
    """Push-pull fill: every pixel gets the colour of the nearest region where ``weight`` is on.

    ``image`` is H×W×C float32, ``weight`` H×W float32 in [0, 1]. Where the weight is 1 the colour is kept;
    elsewhere it comes from the weighted colours around it, from ever coarser levels as the distance grows.
    This is what makes an object's interior colours reach out over its edge (and the background's in).
    """
    nums = [image * weight[..., None]]
    dens = [weight.copy()]
    for _ in range(levels):
        h, w = dens[-1].shape
        if min(h, w) < 4:
            break
        nums.append(cv2.pyrDown(nums[-1]))
        dens.append(cv2.pyrDown(dens[-1]))
    coarse = nums[-1].reshape(-1, image.shape[2]).sum(0) / max(float(dens[-1].sum()), 1e-6)
    filled = np.broadcast_to(coarse, nums[-1].shape).astype(np.float32)
    for num, den in zip(reversed(nums), reversed(dens)):
        h, w = den.shape
        up = cv2.resize(filled, (w, h), interpolation=cv2.INTER_LINEAR).reshape(h, w, -1)
        here = num / np.maximum(den, 1e-6)[..., None]
        trust = np.clip(den * 4.0, 0.0, 1.0)[..., None]
        filled = here * trust + up * (1.0 - trust)
    return filled.astype(np.float32)


def _box(x: np.ndarray, radius: int) -> np.ndarray:
    """Mean over a (2r+1)² window, replicated at the borders."""
    k = 2 * radius + 1
    return cv2.boxFilter(x, -1, (k, k), borderType=cv2.BORDER_REFLECT)


@dataclass(frozen=True)
class GuideStats:
    """The parts of He et al.'s colour guided filter that depend only on the guide (reused across sources)."""

    guide: np.ndarray  # H×W×3 float32
    radius: int
    mean: np.ndarray  # H×W×3 local means of the guide
    inverse: tuple[np.ndarray, ...]  # the inverse of (local covariance + eps·I): rr, rg, rb, gg, gb, bb


def guide_stats(guide: np.ndarray, radius: int, eps: float) -> GuideStats:
    """Local means and inverse regularised covariances of an H×W×3 float32 guide in [0, 1]."""
    mean_i = _box(guide, radius)
    pairs = [(0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2)]
    var = {}
    for i, j in pairs:
        var[i, j] = _box(guide[..., i] * guide[..., j], radius) - mean_i[..., i] * mean_i[..., j]
    rr, rg, rb, gg, gb, bb = (var[p] for p in pairs)
    rr = rr + eps
    gg = gg + eps
    bb = bb + eps
    # inverse of the symmetric 3×3 covariance, by cofactors
    i_rr = gg * bb - gb * gb
    i_rg = gb * rb - rg * bb
    i_rb = rg * gb - gg * rb
    i_gg = rr * bb - rb * rb
    i_gb = rb * rg - rr * gb
    i_bb = rr * gg - rg * rg
    inv_det = 1.0 / np.maximum(rr * i_rr + rg * i_rg + rb * i_rb, 1e-12)
    inverse = tuple(x * inv_det for x in (i_rr, i_rg, i_rb, i_gg, i_gb, i_bb))
    return GuideStats(guide, radius, mean_i, inverse)


def guided_with(stats: GuideStats, src: np.ndarray) -> np.ndarray:
    """The guided filter's averaged linear coefficients (H×W×4: a_r, a_g, a_b, b) of ``src`` (H×W float32)."""
    radius, mean_i = stats.radius, stats.mean
    mean_p = _box(src, radius)
    cov_ip = _box(stats.guide * src[..., None], radius) - mean_i * mean_p[..., None]
    i_rr, i_rg, i_rb, i_gg, i_gb, i_bb = stats.inverse
    c_r, c_g, c_b = cov_ip[..., 0], cov_ip[..., 1], cov_ip[..., 2]
    a_r = i_rr * c_r + i_rg * c_g + i_rb * c_b
    a_g = i_rg * c_r + i_gg * c_g + i_gb * c_b
    a_b = i_rb * c_r + i_gb * c_g + i_bb * c_b
    b = mean_p - a_r * mean_i[..., 0] - a_g * mean_i[..., 1] - a_b * mean_i[..., 2]
    coeffs = np.dstack([a_r, a_g, a_b, b]).astype(np.float32)
    return _box(coeffs, radius)


def guided_coefficients(guide: np.ndarray, src: np.ndarray, radius: int, eps: float) -> np.ndarray:
    """He et al.'s colour guided filter, as its averaged linear coefficients (H×W×4: a_r, a_g, a_b, b).

    The filtered output at any resolution is ``a · I + b`` with ``I`` the guide there, which is what lets the
    coefficients computed on the work resolution follow the full-resolution photo (the fast guided filter).
    ``guide`` is H×W×3 float32 in [0, 1], ``src`` H×W float32.
    """
    return guided_with(guide_stats(guide, radius, eps), src)
