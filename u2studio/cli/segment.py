"""``u2studio segment``: masks (and cutouts) for files and folders."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from u2studio.core.imageio import ImageLoadError, is_image_path, load_image, make_cutout, save_png, to_uint8_mask


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register the subcommand."""
    p = sub.add_parser("segment", help="write a soft mask (and optionally a cutout) for each image")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="image files or folders")
    p.add_argument("--out", required=True, type=Path, help="output folder")
    p.add_argument("--model", default="u2netp", help="installed model name or checkpoint path (default: u2netp)")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])
    p.add_argument("--cutout", action="store_true", help="also write <stem>_cutout.png (RGBA)")


def run(args: argparse.Namespace) -> int:
    """Segment every input; non-zero when any file failed."""
    files = collect_inputs(args.inputs)
    if not files:
        print("no images found in the inputs", file=sys.stderr)
        return 2
    failures = segment_files(files, args.out, args.model, args.device, args.cutout, progress=True)
    return 1 if failures else 0


def collect_inputs(inputs: Iterable[str | Path]) -> list[Path]:
    """Expand folders into their image files (sorted); keep files as given."""
    files: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.is_file() and is_image_path(p)))
        else:
            files.append(path)
    return files


def output_stems(files: Sequence[Path]) -> list[str]:
    """One output stem per file; repeated stems from different folders get a numeric suffix."""
    seen: dict[str, int] = {}
    stems = []
    for path in files:
        count = seen.get(path.stem, 0)
        seen[path.stem] = count + 1
        stems.append(path.stem if count == 0 else f"{path.stem}-{count + 1}")
    return stems


def segment_files(
    files: Sequence[Path], out: Path, model: str, device: str, cutout: bool, progress: bool = True
) -> list[tuple[Path, str]]:
    """Segment ``files`` into ``out``; returns (file, reason) for every failure and prints a summary."""
    from tqdm import tqdm

    from u2studio.inference.predictor import Predictor
    from u2studio.models.checkpoint import CheckpointError

    try:
        predictor = Predictor(model, device=device, on_notice=lambda text: print(f"note: {text}", file=sys.stderr))
    except (CheckpointError, RuntimeError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return [(Path(model), str(exc))]
    out.mkdir(parents=True, exist_ok=True)
    failures: list[tuple[Path, str]] = []
    started = time.perf_counter()
    bar = tqdm(list(zip(files, output_stems(files))), unit="img", disable=not progress or None, file=sys.stderr)
    for path, stem in bar:
        bar.set_postfix_str(path.name[-30:], refresh=False)
        try:
            image = load_image(path)
            mask = predictor.predict(image.rgb)
            mask8 = to_uint8_mask(mask)
            save_png(out / f"{stem}.png", mask8)
            if cutout:
                save_png(out / f"{stem}_cutout.png", make_cutout(image.rgb, mask8))
        except ImageLoadError as exc:
            failures.append((path, str(exc)))
        except OSError as exc:
            failures.append((path, f"{path}: could not write output ({exc})"))
    elapsed = time.perf_counter() - started
    done = len(files) - len(failures)
    print(
        f"segmented {done}/{len(files)} images with {predictor.name} on {predictor.device.type} "
        f"in {elapsed:.1f} s -> {out}",
        file=sys.stderr,
    )
    for _path, reason in failures:
        print(f"failed: {reason}", file=sys.stderr)
    return failures
