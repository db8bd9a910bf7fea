"""``u2studio dataset``: build, inspect, validate and import fine-tuning datasets (im/ + gt/ + manifest)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from u2studio.core.dataset import LAYOUTS, STATES, Dataset, DatasetError, DatasetStats


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register the subcommand."""
    p = sub.add_parser("dataset", help="build, inspect, check or import a fine-tuning dataset")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)

    create = actions.add_parser("create", help="make a new, empty dataset")
    create.add_argument("dataset", type=Path, metavar="DATASET")
    create.add_argument("--val-ratio", type=float, default=0.1, help="share of images in the val split (default 0.1)")

    add = actions.add_parser("add", help="add (or update) one image and its mask")
    add.add_argument("image", type=Path, metavar="IMAGE")
    add.add_argument("mask", type=Path, metavar="MASK")
    add.add_argument("--to", dest="dataset", type=Path, required=True, metavar="DATASET", help="created if missing")
    add.add_argument("--annotator", default="", metavar="NAME")
    add.add_argument("--state", default="corrected", choices=STATES)
    add.add_argument("--prediction", type=Path, metavar="MASK", help="the model's mask, for correction statistics")
    add.add_argument("--model", default="", help="name of the model that made the prediction")
    add.add_argument("--checkpoint-sha256", default="", metavar="HEX", help="hash of that model's checkpoint")
    add.add_argument("--val-ratio", type=float, default=0.1, help="for a new dataset (default 0.1)")

    stats = actions.add_parser("stats", help="counts, review states, splits and correction effort")
    stats.add_argument("dataset", type=Path, metavar="DATASET")
    stats.add_argument("--json", action="store_true", help="print JSON instead of a table")
    stats.add_argument("--worst", type=int, default=5, metavar="N", help="list the N hardest images (default 5)")

    check = actions.add_parser("check", help="validate pairs, sizes, mask format and manifest; exit 1 if wrong")
    check.add_argument("dataset", type=Path, metavar="DATASET")

    imp = actions.add_parser("import", help="adopt an existing DUTS, DIS or plain image/mask folder")
    imp.add_argument("folder", type=Path, metavar="DIR")
    imp.add_argument("--layout", required=True, choices=LAYOUTS)
    imp.add_argument("--to", dest="dataset", type=Path, required=True, metavar="DATASET", help="created if missing")
    imp.add_argument("--annotator", default="", metavar="NAME")
    imp.add_argument("--state", default="approved", choices=STATES, help="review state of imported pairs")
    imp.add_argument("--val-ratio", type=float, default=0.1, help="for a new dataset (default 0.1)")

    state = actions.add_parser("state", help="set the review state of one record")
    state.add_argument("dataset", type=Path, metavar="DATASET")
    state.add_argument("stem", metavar="STEM")
    state.add_argument("state", choices=STATES)


def run(args: argparse.Namespace) -> int:
    """Carry out the chosen action; 1 on a problem, 2 on bad input."""
    from u2studio.core.imageio import ImageLoadError

    try:
        return int(_ACTIONS[args.action](args))
    except (DatasetError, ImageLoadError, ValueError, KeyError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"error: {message}", file=sys.stderr)
        return 2


def _create(args: argparse.Namespace) -> int:
    ds = Dataset.create(args.dataset, args.val_ratio)
    print(f"created dataset {ds.root} (val_ratio {ds.val_ratio})")
    return 0


def _add(args: argparse.Namespace) -> int:
    from u2studio.core.imageio import load_mask

    mask = load_mask(args.mask)
    prediction = load_mask(args.prediction) if args.prediction else None
    ds = Dataset.open_or_create(args.dataset, args.val_ratio)
    before = ds.match(args.image)
    record = ds.add(
        args.image,
        mask,
        model=args.model,
        checkpoint_sha256=args.checkpoint_sha256,
        prediction=prediction,
        annotator=args.annotator,
        state=args.state,
    )
    if before is None:
        print(f"added {args.image} as {record.stem} ({record.split})")
    elif before.record.revision == record.revision:
        print(f"unchanged: {record.stem} already holds this image and mask ({before.reason})")
    else:
        backup = f"; previous mask kept as {record.backups[-1]}" if record.backups != before.record.backups else ""
        print(f"updated {record.stem} ({before.reason}), revision {record.revision}{backup}")
    return 0


def _stats(args: argparse.Namespace) -> int:
    stats = Dataset.open(args.dataset, recover=False).stats(worst=args.worst)
    if args.json:
        print(json.dumps(stats.to_dict(), indent=2))
    else:
        print(format_stats(stats))
    return 0


def format_stats(s: DatasetStats) -> str:
    """A human-readable table of dataset statistics."""

    def num(value: float | None, digits: int = 3) -> str:
        return "-" if value is None else f"{value:.{digits}f}"

    rows = [
        ("pairs", str(s.count)),
        *((f"  {k}", str(v)) for k, v in s.by_state.items()),
        *((f"  split {k}", str(v)) for k, v in s.by_split.items()),
        *((f"  by {k}", str(v)) for k, v in sorted(s.by_annotator.items())),
        ("with prediction", str(s.with_prediction)),
        ("mean changed pixels", num(s.mean_changed, 4)),
        ("mean IoU (pred vs corrected)", num(s.mean_iou)),
        ("mean relaxed F", num(s.mean_relax_f)),
        ("mean strokes", num(s.mean_strokes, 1)),
        ("mean seconds", num(s.mean_seconds, 1)),
        ("total seconds", num(s.total_seconds, 1)),
    ]
    width = max(len(k) for k, _ in rows)
    lines = [f"{k:<{width}}  {v}" for k, v in rows]
    if s.worst_by_iou:
        lines.append("hardest images (lowest IoU):")
        lines.extend(f"  {w.stem:<{width - 2}}  IoU {w.iou:.3f}  relaxed F {num(w.relax_f)}" for w in s.worst_by_iou)
    return "\n".join(lines)


def _check(args: argparse.Namespace) -> int:
    """Read-only: a pending journal is reported, not replayed. 1 for any problem (a damaged manifest
    included), 2 when DATASET is not a dataset folder at all."""
    from u2studio.core.dataset import manifest as mf
    from u2studio.core.dataset.check import check_dataset

    root = args.dataset
    if not root.is_dir():
        raise DatasetError(f"{root}: no such dataset folder")
    header = mf.read_header(root)
    problems = check_dataset(root, header["val_ratio"])
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) in {root}", file=sys.stderr)
        return 1
    print(f"ok: {len(mf.read_manifest(root))} pairs in {root}")
    return 0


def _import(args: argparse.Namespace) -> int:
    from u2studio.core.dataset import import_folder
    from u2studio.core.dataset.importer import find_folder_pairs

    find_folder_pairs(args.folder, args.layout)  # an unusable source creates no destination
    ds = Dataset.open_or_create(args.dataset, args.val_ratio)
    report = import_folder(ds, args.folder, args.layout, annotator=args.annotator, state=args.state)
    for path in report.unmatched_images:
        print(f"no mask for image {path}")
    for path in report.unmatched_masks:
        print(f"no image for mask {path}")
    for path, reason in report.failed:
        print(f"skipped {path}: {reason}", file=sys.stderr)
    print(
        f"imported into {ds.root}: {len(report.added)} added, {len(report.updated)} updated, "
        f"{len(report.unchanged)} unchanged, {len(report.unmatched_images)} images without mask, "
        f"{len(report.unmatched_masks)} masks without image, {len(report.failed)} failed"
    )
    return 1 if report.failed else 0


def _state(args: argparse.Namespace) -> int:
    record = Dataset.open(args.dataset).set_state(args.stem, args.state)
    print(f"{record.stem}: {record.state}")
    return 0


_ACTIONS = {"create": _create, "add": _add, "stats": _stats, "check": _check, "import": _import, "state": _state}
