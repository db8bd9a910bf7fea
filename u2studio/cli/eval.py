"""``u2studio eval``: score predicted masks against references (maxFβ, MAE, wF, Sm, relaxFβ, Em, HCE, IoU)."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from u2studio.core.atomic import atomic_write_bytes, atomic_write_text
from u2studio.core.imageio import ImageLoadError, is_image_path, load_mask
from u2studio.core.metrics import SUMMARY_KEYS, MetricInputError, MetricSuite, validate_pair

PER_IMAGE_KEYS = ("maxF", "MAE", "wF", "Sm", "relaxF", "relaxP", "relaxR", "maxEm", "meanEm", "adpEm", "IoU", "HCE")
TABLE = (("maxFβ", "maxF"), ("MAE", "MAE"), ("wF", "wF"), ("Sm", "Sm"), ("relaxFβ", "relaxF"), ("Em", "maxEm"),
         ("HCE", "HCE"), ("IoU", "IoU"), ("n", "n"))


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register the subcommand."""
    p = sub.add_parser("eval", help="score predicted masks against reference masks")
    p.add_argument("--pred", type=Path, help="folder of predicted masks (written here with --images/--model)")
    p.add_argument("--gt", type=Path, required=True, help="folder of reference masks (matched by file stem)")
    p.add_argument("--images", type=Path, help="folder of images to segment first with --model")
    p.add_argument("--model", help="installed model name or checkpoint path (with --images)")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])
    p.add_argument("--rho", type=int, default=3, help="relaxed boundary slack in pixels, 0..255 (default 3)")
    p.add_argument("--json", type=Path, help="write the summary as JSON")
    p.add_argument("--csv", type=Path, help="write per-image scores as CSV")
    p.add_argument("--plots", type=Path, help="folder for PR and F-threshold curves (PNG)")
    p.add_argument("--visualize", type=Path, help="folder for relaxed-zone pictures")
    p.add_argument("--on-mismatch", choices=["stop", "skip"], default="stop",
                   help="a missing, extra or differently sized mask stops the run (default) or is skipped")


@dataclass(frozen=True)
class Matching:
    """Pairs of (stem, prediction, reference) and the problems found while matching."""

    pairs: list[tuple[str, Path, Path]]
    problems: list[str]


def _masks(folder: Path) -> dict[str, Path]:
    return {p.stem: p for p in sorted(folder.iterdir()) if p.is_file() and is_image_path(p)}


def _is_cutout(path: Path) -> bool:
    """A ``segment --cutout`` file: named ``<stem>_cutout.<ext>`` and a colour image, not a mask."""
    if not path.stem.endswith("_cutout"):
        return False
    from PIL import Image

    try:
        with Image.open(path) as img:
            return img.mode not in ("L", "1", "I;16", "I;16B", "I;16L", "I", "F")
    except (OSError, ValueError):
        return False  # unreadable: scored (and reported) like any other prediction


def match_folders(pred_dir: Path, gt_dir: Path) -> Matching:
    """Match masks by file stem (cutouts in the predictions are skipped, with a note); names every
    prediction without reference and vice versa."""
    preds, gts = _masks(pred_dir), _masks(gt_dir)
    cutouts = [stem for stem, path in preds.items() if _is_cutout(path)]
    for stem in cutouts:
        del preds[stem]
    if cutouts:
        print(f"skipped {len(cutouts)} cutout file(s) in {pred_dir} (<stem>_cutout.*, not masks)", file=sys.stderr)
    problems = [f"{gts[s].name}: no prediction in {pred_dir}" for s in sorted(gts.keys() - preds.keys())]
    problems += [f"{preds[s].name}: extra prediction, no reference in {gt_dir}" for s in sorted(preds.keys() - gts.keys())]
    pairs = [(s, preds[s], gts[s]) for s in sorted(preds.keys() & gts.keys())]
    return Matching(pairs, problems)


def run(args: argparse.Namespace) -> int:
    """Evaluate (optionally predicting first); non-zero on any mismatch unless --on-mismatch skip."""
    from u2studio.cli.eval_outputs import check_rho, clashes

    refusals = [m for m in (check_rho(args.rho),) if m] + clashes(args)
    if args.images is None and args.pred is not None and args.pred.resolve() == args.gt.resolve():
        refusals.append(f"--pred and --gt are the same folder {args.gt}; the masks would be scored against themselves")
    if refusals:
        for line in refusals:
            print(f"error: {line}", file=sys.stderr)
        return 2
    for folder, flag in ((args.gt, "--gt"), (args.images, "--images")):
        if folder is not None and not folder.is_dir():
            print(f"error: {flag} {folder} is not a folder", file=sys.stderr)
            return 2
    if args.images is not None:
        if not args.model:
            print("error: --images needs --model NAME|PATH", file=sys.stderr)
            return 2
        return _predict_then_eval(args)
    if args.pred is None or not args.pred.is_dir():
        print(f"error: --pred {args.pred} is not a folder (or give --images and --model)", file=sys.stderr)
        return 2
    return evaluate(args)


def _predict_then_eval(args: argparse.Namespace) -> int:
    from u2studio.cli.segment import collect_inputs, segment_files

    files = collect_inputs([args.images])
    if not files:
        print(f"error: no images in {args.images}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="u2studio-eval-") as tmp:
        out = args.pred if args.pred is not None else Path(tmp)
        failures = segment_files(files, out, args.model, args.device, cutout=False, progress=True)
        if failures:
            return 1
        args.pred = out
        return evaluate(args)


def evaluate(args: argparse.Namespace) -> int:
    """Score every matched pair, print the table, then write the requested outputs (failures after the results)."""
    from tqdm import tqdm

    from u2studio.cli.eval_outputs import OutputLog

    outputs = OutputLog()

    matching = match_folders(args.pred, args.gt)
    problems = list(matching.problems)
    if problems and args.on_mismatch == "stop":
        return _stop(problems)
    suite = MetricSuite(rho=args.rho)
    rows: list[dict[str, object]] = []
    for stem, pred_path, gt_path in tqdm(matching.pairs, unit="img", file=sys.stderr):
        try:
            pred, gt = load_prediction(pred_path), load_mask(gt_path)
            pair = validate_pair(pred, gt)
        except (ImageLoadError, MetricInputError) as exc:
            problems.append(f"{stem}: {exc}")
            if args.on_mismatch == "stop":
                return _stop(problems)
            continue
        scores = suite.step(pair)
        rows.append({"name": stem, **{k: scores[k] for k in PER_IMAGE_KEYS}})
        if args.visualize is not None:
            target = args.visualize / f"{stem}.png"
            outputs.attempt(f"--visualize {args.visualize}", lambda: _write_zone_picture(target, pred, gt, args.rho))
    for problem in problems:
        print(f"skipped: {problem}", file=sys.stderr)
    if not rows:
        print("error: no pairs could be scored", file=sys.stderr)
        return 1
    summary = suite.results()
    print(format_table(summary, args.rho))
    if args.json is not None:
        outputs.attempt(f"--json {args.json}", lambda: atomic_write_text(args.json, json.dumps(summary, indent=2) + "\n"))
    if args.csv is not None:
        outputs.attempt(f"--csv {args.csv}", lambda: atomic_write_text(args.csv, _csv_text(rows)))
    if args.plots is not None:
        outputs.attempt(f"--plots {args.plots}", lambda: write_plots(args.plots, suite.curves()))
    return outputs.report()


def load_prediction(path: Path) -> np.ndarray:
    """A predicted mask as H×W uint8; a colour file is refused for every metric alike (grey stored as RGB is fine)."""
    from u2studio.core.imageio import load_image

    rgb = load_image(path).rgb
    if not (np.array_equal(rgb[:, :, 0], rgb[:, :, 1]) and np.array_equal(rgb[:, :, 0], rgb[:, :, 2])):
        raise MetricInputError(f"{path.name}: the prediction is a colour image; save predictions as grey masks (0..255)")
    return np.ascontiguousarray(rgb[:, :, 0])


def _stop(problems: list[str]) -> int:
    for problem in problems:
        print(f"mismatch: {problem}", file=sys.stderr)
    print(f"error: {len(problems)} mismatch(es); fix them or pass --on-mismatch skip", file=sys.stderr)
    return 1


def format_table(summary: dict[str, float], rho: int) -> str:
    """A two-line text table of the summary."""
    heads = [h if h != "relaxFβ" else f"relaxFβ(ρ={rho})" for h, _ in TABLE]
    cells = [str(int(summary[k])) if k == "n" else f"{summary[k]:.1f}" if k == "HCE" else f"{summary[k]:.4f}"
             for _, k in TABLE]
    widths = [max(len(h), len(c)) for h, c in zip(heads, cells)]
    return "\n".join("  ".join(x.rjust(w) for x, w in zip(line, widths)) for line in (heads, cells))


def _csv_text(rows: list[dict[str, object]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=["name", *PER_IMAGE_KEYS], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def write_plots(folder: Path, curves: dict[str, np.ndarray]) -> None:
    """pr_curve.png and f_threshold.png from the averaged curves (matplotlib, Agg)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    folder.mkdir(parents=True, exist_ok=True)
    for name, xs, ys, xlabel, ylabel in (
        ("pr_curve.png", curves["recall"], curves["precision"], "recall", "precision"),
        ("f_threshold.png", np.arange(256), curves["fm"], "threshold (0..255)", "Fβ (β²=0.3)"),
    ):
        fig = Figure(figsize=(5, 4), dpi=100)
        ax = fig.add_subplot()
        ax.plot(xs, ys)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.grid(True, alpha=0.3)
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        atomic_write_bytes(folder / name, buf.getvalue())


def zone_picture(pred: np.ndarray, gt: np.ndarray, rho: int) -> np.ndarray:
    """RGB picture: the reference mask in grey, the prediction's outline region lighter, the zone overlay on top."""
    from u2studio.core.binarize import prediction_foreground, reference_foreground
    from u2studio.core.boundary import relaxed_zone_overlay

    base = 40 + 90 * reference_foreground(gt).astype(np.float32) + 60 * prediction_foreground(pred).astype(np.float32)
    rgb = np.repeat(base[:, :, None], 3, axis=2)
    overlay = relaxed_zone_overlay(pred, gt, rho).astype(np.float32)
    alpha = overlay[:, :, 3:4] / 255
    return (rgb * (1 - alpha) + overlay[:, :, :3] * alpha).round().astype(np.uint8)


def _write_zone_picture(path: Path, pred: np.ndarray, gt: np.ndarray, rho: int) -> None:
    from u2studio.core.imageio import save_png

    path.parent.mkdir(parents=True, exist_ok=True)
    save_png(path, zone_picture(pred, gt, rho))
