"""The README picture of relaxed boundary F: one prediction at ρ = 0, 1, 3, 5, whole mask and pixel zoom.

    python bench/make_relaxed_figure.py --data DIR --out docs/relaxed_zone.png [--image STEM] [--model u2netp]

DIR holds images/ and masks/ (matched by stem). The bundled model predicts each
image; the figure shows the one whose F rises most from ρ = 0 to ρ = 5 (or
--image). Only masks and boundaries are drawn, on a dark grey ground with the
reference mask faint: no photo pixels, so the dataset's licence is respected.
"""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import numpy as np

from u2studio.core.atomic import atomic_write_bytes
from u2studio.core.boundary import (
    MATCHED_RGBA,
    MISSED_RGBA,
    UNMATCHED_RGBA,
    ZONE_RGBA,
    match_boundaries,
    relaxed_f,
    relaxed_zone_overlay,
)

RHOS = (0, 1, 3, 5)
GROUND = np.array([34, 34, 38], np.float64)
REFERENCE = np.array([78, 78, 86], np.float64)
CROP = 48


def composite(pred: np.ndarray, gt: np.ndarray, rho: int) -> np.ndarray:
    """RGB uint8: dark ground, reference mask faint, relaxed-zone overlay alpha-blended on top."""
    base = np.where((gt >= 128)[..., None], REFERENCE, GROUND)
    over = relaxed_zone_overlay(pred, gt, rho).astype(np.float64)
    alpha = over[..., 3:] / 255
    return np.clip(base * (1 - alpha) + over[..., :3] * alpha, 0, 255).astype(np.uint8)


def pick_crop(pred: np.ndarray, gt: np.ndarray, rho: int = 3, size: int = CROP) -> tuple[int, int]:
    """Top-left (y, x) of the size×size window with the most unmatched or missed boundary pixels at ρ.

    Windows that also hold matched pixels score higher, so the zoom shows both
    kinds side by side rather than one error blob.
    """
    import cv2

    m = match_boundaries(pred, gt, rho)
    bad = ((m.pred_edge & (1 - m.gt_zone)) | (m.gt_edge & (1 - m.pred_zone))).astype(np.float32)
    good = (m.pred_edge & m.gt_zone).astype(np.float32)
    score = cv2.boxFilter(bad, -1, (size, size), normalize=False, anchor=(0, 0), borderType=cv2.BORDER_CONSTANT)
    score += 0.5 * cv2.boxFilter(good, -1, (size, size), normalize=False, anchor=(0, 0), borderType=cv2.BORDER_CONSTANT)
    h, w = gt.shape
    score = score[: max(h - size + 1, 1), : max(w - size + 1, 1)]
    y, x = np.unravel_index(int(np.argmax(score)), score.shape)
    return int(y), int(x)


def object_box(pred: np.ndarray, gt: np.ndarray, margin: int = 12) -> tuple[slice, slice]:
    """Rows and columns of both masks' bounding box plus a margin (so the object fills its panel)."""
    on = (pred >= 128) | (gt >= 128)
    if not on.any():
        return slice(0, gt.shape[0]), slice(0, gt.shape[1])
    ys, xs = np.nonzero(on)
    h, w = gt.shape
    return (slice(max(int(ys.min()) - margin, 0), min(int(ys.max()) + margin + 1, h)),
            slice(max(int(xs.min()) - margin, 0), min(int(xs.max()) + margin + 1, w)))


def predict_all(data: Path, model: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """{stem: (prediction uint8, reference uint8)} for every image in DIR/images with a mask."""
    from u2studio.core.imageio import is_image_path, load_image, load_mask, to_uint8_mask
    from u2studio.inference.predictor import Predictor

    predictor = Predictor(model)
    out = {}
    for path in sorted((data / "images").iterdir()):
        mask_path = data / "masks" / f"{path.stem}.png"
        if not is_image_path(path) or not mask_path.exists():
            continue
        pred = to_uint8_mask(predictor.predict(load_image(path).rgb))
        out[path.stem] = (pred, load_mask(mask_path))
    if not out:
        raise SystemExit(f"no image with a matching mask under {data}")
    return out


def draw(pred: np.ndarray, gt: np.ndarray, title: str) -> bytes:
    """The figure as PNG bytes: a row of whole masks, a row of pixel zooms, a legend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch, Rectangle

    y0, x0 = pick_crop(pred, gt)
    top_rows, top_cols = object_box(pred, gt)
    fig, axes = plt.subplots(2, len(RHOS), figsize=(13, 7.6))
    fig.patch.set_facecolor("white")
    for col, rho in enumerate(RHOS):
        f, p, r = relaxed_f(pred, gt, rho)
        rgb = composite(pred, gt, rho)
        top, bottom = axes[0, col], axes[1, col]
        top.imshow(rgb[top_rows, top_cols], interpolation="nearest")
        top.add_patch(Rectangle((x0 - top_cols.start - 0.5, y0 - top_rows.start - 0.5), CROP, CROP,
                                fill=False, edgecolor="white", lw=1.5))
        top.set_title(f"ρ = {rho}\nP {p:.3f}   R {r:.3f}   F {f:.3f}", fontsize=12.5)
        bottom.imshow(rgb[y0 : y0 + CROP, x0 : x0 + CROP], interpolation="nearest")
        for ax in (top, bottom):
            ax.set_xticks([])
            ax.set_yticks([])
    axes[0, 0].set_ylabel("whole object", fontsize=11)
    axes[1, 0].set_ylabel(f"white box, {CROP}×{CROP} px zoom", fontsize=11)
    legend = [
        Patch(color=np.array(MATCHED_RGBA[:3]) / 255, label="predicted boundary within ρ of the reference (precision hit)"),
        Patch(color=np.array(UNMATCHED_RGBA[:3]) / 255, label="predicted boundary farther than ρ (precision miss)"),
        Patch(color=np.array(MISSED_RGBA[:3]) / 255, label="reference boundary no prediction reaches (recall miss)"),
        Patch(color=_blend(ZONE_RGBA), label="relaxed zone: reference boundary dilated by a disk of radius ρ (amber tint)"),
        Patch(color=REFERENCE / 255, label="reference mask (faint); dark ground elsewhere"),
    ]
    fig.legend(handles=legend, loc="lower center", ncol=2, fontsize=10, frameon=False)
    fig.suptitle(title, fontsize=13.5)
    fig.subplots_adjust(left=0.03, right=0.99, top=0.86, bottom=0.13, wspace=0.04, hspace=0.12)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    return buf.getvalue()


def _blend(rgba: tuple[int, int, int, int]) -> np.ndarray:
    """The colour a translucent overlay takes over the faint reference, as drawn in the panels."""
    a = rgba[3] / 255
    return (REFERENCE * (1 - a) + np.array(rgba[:3]) * a) / 255


def main() -> None:
    """Predict, choose the image, draw, write the PNG atomically."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--out", type=Path, default=Path("docs/relaxed_zone.png"))
    ap.add_argument("--image", help="stem of the image to show (default: largest F gain from ρ=0 to ρ=5)")
    ap.add_argument("--model", default="u2netp")
    args = ap.parse_args()
    pairs = predict_all(args.data, args.model)
    if args.image:
        if args.image not in pairs:
            raise SystemExit(f"{args.image} not found; have: {', '.join(pairs)}")
        stem = args.image
    else:
        stem = max(pairs, key=lambda s: relaxed_f(*pairs[s], 5)[0] - relaxed_f(*pairs[s], 0)[0])
    pred, gt = pairs[stem]
    h, w = gt.shape
    title = f"Relaxed boundary Fβ (β² = 0.3): {args.model} on {stem} ({w}×{h}), prediction vs reference mask"
    png = draw(pred, gt, title)
    atomic_write_bytes(args.out, png)
    print(f"{args.out}: {stem}, {len(png) // 1024} KB")


if __name__ == "__main__":
    main()
