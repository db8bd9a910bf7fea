"""Benchmark of the cutout stage against the hard cutout, the naive soft cutout and rembg's matting recipe.

    .venv/bin/python bench/bench_cutout.py --data ../shared/data/sod-dev --part quality
    flock /work/notes/cpu.lock .venv/bin/python bench/bench_cutout.py --data ../shared/data/sod-dev --part timing

quality: composites with known truth (each dev photo's object, feathered, with a pure foreground, over
another dev photo; synthetic strands with exact alpha over a dev photo), fed masks seen at ÷4 and ÷12 and
the bundled model's own mask; alpha errors and recomposite errors (cutout_truth.errors).
timing: time and peak memory per megapixel, each method in a fresh process on 2 threads, at about 2 MP
and (ours only: the recipe runs out of memory there) at 6000×4000. rembg's recipe needs the ``bench`` extra.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cutout_methods import METHODS, warm_up_pymatting  # noqa: E402
from cutout_truth import Case, errors, hair_case, low_res_mask, photo_cases  # noqa: E402

KEYS = ("SAD", "MSE", "Grad", "band", "whole")


def model_mask(image: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
    """The bundled U²-Net†'s soft mask at the image's size, and its native grid (the model's input size)."""
    from u2studio.inference.predictor import Predictor

    global _PREDICTOR
    if "_PREDICTOR" not in globals():
        _PREDICTOR = Predictor("u2netp", device="cpu")
    size = _PREDICTOR.config.input_size
    return _PREDICTOR.predict(image), (size, size)


def quality(data: Path, methods: list[str]) -> dict[str, dict[str, dict[str, float]]]:
    """Mean errors per (scene kind and mask source) and method."""
    cases: list[Case] = photo_cases(data) + [hair_case(data, 1200, 800, index) for index in range(2)]
    table: dict[str, dict[str, list[dict[str, float]]]] = {}
    for case in cases:
        kind = "hair" if case.name.startswith("hair") else "photo"
        masks = {"÷4": low_res_mask(case.alpha, 4), "÷12": low_res_mask(case.alpha, 12), "model": model_mask(case.image)}
        for source, (mask, grid) in masks.items():
            for name in methods:
                row = table.setdefault(f"{kind}, mask {source}", {}).setdefault(name, [])
                row.append(errors(case, METHODS[name](case.image, mask, grid)))
        print(f"  {case.name} done", file=sys.stderr, flush=True)
    return {group: {name: {k: float(np.mean([e[k] for e in rows])) for k in KEYS} for name, rows in by.items()}
            for group, by in table.items()}


def peak_mb() -> float:
    """This process's peak resident memory (VmHWM: reset by exec, unlike ru_maxrss, which keeps the parent's)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(method: str, inputs: str, kind: str = "div4") -> None:
    """Time one method on saved inputs (``kind``: the ÷4 mask, or "320": a 320×320 one), in this fresh process."""
    import cv2

    cv2.setNumThreads(2)
    image, mask = np.load(f"{inputs}.img.npy"), np.load(f"{inputs}.mask{kind}.npy")
    if method == "rembg recipe":
        warm_up_pymatting()
    else:
        METHODS[method](image[:200, :300].copy(), mask[:200, :300].copy(), (75, 50))
    grid = (320, 320) if kind == "320" else (image.shape[1] // 4, image.shape[0] // 4)
    before = int(Path("/proc/self/statm").read_text().split()[1]) * 4096 / 2**20
    start = time.perf_counter()
    METHODS[method](image, mask, grid)
    seconds = time.perf_counter() - start
    peak = peak_mb()
    print(json.dumps({"seconds": seconds, "peak_mb": peak, "added_mb": peak - before}))


def timing(data: Path, methods: list[str], work: Path,
           sizes: tuple[tuple[int, int], ...] = ((1732, 1155), (6000, 4000))) -> dict[str, dict[str, float]]:
    """Per size and method: seconds, s/MP, peak MB of the process and MB added over the loaded inputs.

    The masks are the true alpha seen at ÷4; methods that take a grid also run on a 320×320 (model-sized) one.
    """
    import cv2

    work.mkdir(parents=True, exist_ok=True)
    results: dict[str, dict[str, float]] = {}
    for width, height in sizes:
        case = hair_case(data, width, height)
        prefix = str(work / f"hair{width}")
        np.save(f"{prefix}.img.npy", case.image)
        np.save(f"{prefix}.maskdiv4.npy", (low_res_mask(case.alpha, 4)[0] * 255 + 0.5).astype(np.uint8))
        small = cv2.resize(case.alpha, (320, 320), interpolation=cv2.INTER_AREA)  # a model-sized map
        big = cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)
        np.save(f"{prefix}.mask320.npy", (big.clip(0, 1) * 255 + 0.5).astype(np.uint8))
        del case
        mp = width * height / 1e6
        runs = [(name, "div4") for name in methods] + [(name, "320") for name in methods if "mask grid" in name]
        for name, kind in runs:
            if name == "rembg recipe" and mp > 4:
                continue  # the recipe runs out of memory at 24 MP (rembg's users report it; not rerun here)
            out = subprocess.run([sys.executable, __file__, "--child", name, prefix, kind], capture_output=True,
                                 text=True)
            if out.returncode != 0:
                print(f"{name} at {width}x{height} failed: {out.stderr[-500:]}", file=sys.stderr)
                continue
            res = json.loads(out.stdout.strip().splitlines()[-1])
            res["s_per_mp"] = res["seconds"] / mp
            res["mb_per_mp"] = res["added_mb"] / mp
            label = name if kind == "div4" else f"{name}, 320×320 mask"
            results[f"{label} @ {width}x{height} ({mp:.1f} MP)"] = res
            print(f"  {name} {width}x{height}: {res}", file=sys.stderr, flush=True)
    return results


def markdown(quality_table: dict | None, timing_table: dict | None) -> str:
    """The tables as Markdown."""
    lines = []
    if quality_table:
        lines += ["| scenes, mask | method | SAD | MSE×1e3 | Grad | recomposite, 10-px band | whole image |",
                  "|---|---|---|---|---|---|---|"]
        for group, by in quality_table.items():
            for name, v in by.items():
                lines.append(f"| {group} | {name} | {v['SAD']:.2f} | {v['MSE']:.2f} | {v['Grad']:.3f} | "
                             f"{v['band']:.2f} | {v['whole']:.2f} |")
    if timing_table:
        lines += ["", "| method @ size | seconds | s / MP | peak MB (process) | MB added | MB added / MP |",
                  "|---|---|---|---|---|---|"]
        for name, v in timing_table.items():
            lines.append(f"| {name} | {v['seconds']:.2f} | {v['s_per_mp']:.3f} | {v['peak_mb']:.0f} | "
                         f"{v['added_mb']:.0f} | {v['mb_per_mp']:.1f} |")
    return "\n".join(lines)


def main() -> None:
    """Parse arguments and run the parts asked for."""
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:5])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="folder with images/ and masks/")
    parser.add_argument("--part", choices=["quality", "timing", "all"], default="all")
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(METHODS))
    parser.add_argument("--work", type=Path, default=Path("/tmp/u2studio-bench-cutout"), help="scratch folder")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    q = quality(args.data, args.methods) if args.part in ("quality", "all") else None
    t = timing(args.data, args.methods, args.work) if args.part in ("timing", "all") else None
    print(markdown(q, t))
    if args.json:
        args.json.write_text(json.dumps({"quality": q, "timing": t}, indent=1))


if __name__ == "__main__":
    main()
