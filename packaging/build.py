"""Build the one-folder u2studio app with PyInstaller: ``python packaging/build.py [--variant cpu|cuda]``.

Runs PyInstaller on packaging/u2studio.spec with the current interpreter, after
checking that the bundled weights exist and exporting them to ONNX for the
app's onnxruntime backend (the app itself ships without the ``onnx`` package).
The result is dist/u2studio/ (the studio ``u2studio`` and the console
``u2studio-cli``; u2studio.app beside it on macOS). Prints the bundle's size
and the build time.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "packaging" / "u2studio.spec"
WEIGHTS = ROOT / "resources" / "weights" / "u2netp.safetensors"


def folder_size(path: Path) -> int:
    """Total bytes of the files under ``path`` (symlinks not followed)."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def check_variant(variant: str) -> str:
    """Make sure the installed torch fits the variant; returns a one-line description of it."""
    import torch

    cuda = torch.version.cuda
    if variant == "cuda" and not cuda:
        raise SystemExit(
            f"error: --variant cuda needs a CUDA build of torch in this venv, found torch {torch.__version__} (CPU); "
            "see docs/packaging.md (Windows variants)"
        )
    if variant == "cpu" and cuda:
        print(f"warning: torch {torch.__version__} is a CUDA build; the CPU variant will carry the CUDA libraries")
    return f"torch {torch.__version__}" + (f" (CUDA {cuda})" if cuda else " (CPU)")


def export_bundled(folder: Path) -> None:
    """Write the ONNX export of the bundled weights that the app's onnxruntime backend loads."""
    sys.path.insert(0, str(ROOT))
    from u2studio.inference.onnx_backend import write_shipped_export

    for path in write_shipped_export(WEIGHTS, folder):
        print(f"exported {path.name} ({path.stat().st_size / 1e6:.1f} MB)")


def main(argv: list[str] | None = None) -> int:
    """Check, export, run PyInstaller, and report size and time."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variant", choices=["cpu", "cuda"], default="cpu", help="which torch build is bundled")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder (default: dist/)")
    parser.add_argument("--work", type=Path, default=ROOT / "build", help="PyInstaller work folder (default: build/)")
    args = parser.parse_args(argv)
    if not WEIGHTS.is_file() or not WEIGHTS.with_suffix(".json").is_file():
        print(f"error: {WEIGHTS} (and its .json) not found: run `python3 bootstrap.py setup` first", file=sys.stderr)
        return 1
    start = time.perf_counter()
    print(f"building u2studio ({args.variant}, {check_variant(args.variant)}, Python {sys.version.split()[0]})")
    with tempfile.TemporaryDirectory(prefix="u2studio-export-") as export_dir:
        export_bundled(Path(export_dir))
        env = dict(os.environ, U2STUDIO_EXPORT_DIR=export_dir, PYTHONPATH=os.pathsep.join(
            [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
        cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
               "--distpath", str(args.dist), "--workpath", str(args.work), str(SPEC)]
        result = subprocess.run(cmd, cwd=ROOT, env=env)
    if result.returncode != 0:
        print(f"error: PyInstaller failed (exit {result.returncode})", file=sys.stderr)
        return result.returncode
    bundle = args.dist / "u2studio"
    minutes, seconds = divmod(time.perf_counter() - start, 60)
    print(f"bundle: {bundle} ({folder_size(bundle) / 2**20:.0f} MiB)")
    print(f"build time: {int(minutes)} min {seconds:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
