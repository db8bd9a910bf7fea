"""A whole studio session on 24-megapixel photos through the real main window and event loop.

    QT_QPA_PLATFORM=offscreen python bench/bench_session.py [--image PATH] [--count N]
    xvfb-run -a python bench/bench_session.py ...      (also reads the copied cutout with xclip)

The model's export is made first, in another process (``--cold-export`` skips that to time a first session
after install). It opens N copies (default 50) of the photo (generated, 6000×4000, when no --image), runs the model on all,
paints brush strokes about 50 screen pixels wide from synthetic mouse events at fit and at 100 %, both while
the model runs on other images and when it is idle, switches between images, changes threshold and ρ, toggles
every overlay, saves the mask and the cutout, copies, refines an edge and exports to a dataset. Each brush event
is timed to the end of the viewport paint that shows it; a 5 ms heartbeat gives the longest event-loop stall of
every step; RSS is sampled throughout; revisiting each image checks the hash of the mask taken when it arrived.
The last line reads exactly:
brush_p95_ms=X brush_max_ms=X max_stall_ms=X switch_ms=X rss_peak_mb=X revisit_ok=0|1 images=N
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def parse() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--image", type=Path, help="a photo to use (default: a generated 6000×4000 one)")
    parser.add_argument("--count", type=int, default=50, help="copies of the photo to open (default 50)")
    parser.add_argument("--model", default="u2netp")
    parser.add_argument("--rss-abort-mb", type=float, default=14000.0,
                        help="stop early (and report it) when resident memory passes this (the machine is shared)")
    parser.add_argument("--work", type=Path, help="folder for copies and outputs (default: a temporary one)")
    parser.add_argument("--stacks", action="store_true",
                        help="also sample the GUI thread's stack during stalls and print where the loop stalled")
    parser.add_argument("--cold-export", action="store_true",
                        help="time the first session after install: no cached export, so the studio imports torch and "
                             "exports the model during the first run (default: the export is made beforehand in another "
                             "process, as every later session and the packaged app, which carries it, find it)")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="trace numpy's allocations and print at the end which call sites hold the most (slower)")
    parser.add_argument("--trace", type=Path,
                        help="write every stall and brush latency above 50 ms as JSON (perf_counter ms), to line up "
                             "with a scheduler trace")
    parser.add_argument("--trace-ms", type=float, default=50.0, help="what --trace counts as slow (ms)")
    return parser.parse_args()


def prepare(args: argparse.Namespace, work: Path) -> list[str]:
    """N hard links (distinct paths, one file's bytes) of the photo."""
    from session_photo import write_photo

    source = args.image if args.image else write_photo(work / "photo.jpg")
    paths = []
    for i in range(args.count):
        target = work / "images" / f"photo_{i:03d}{source.suffix.lower()}"
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, target)
        except OSError:
            shutil.copyfile(source, target)
        paths.append(str(target))
    return paths


def main() -> int:
    """Run the session and print the table and the summary line."""
    args = parse()
    if args.tracemalloc:
        import tracemalloc

        tracemalloc.start(6)
    if not os.environ.get("DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    work = args.work or Path(tempfile.mkdtemp(prefix="u2s-session-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("U2STUDIO_DATA_DIR", str(work / "data"))
    paths = prepare(args, work)
    if not args.cold_export:
        import subprocess

        subprocess.run([sys.executable, "-c", "import sys; from u2studio.inference.predictor import Predictor; "
                        "Predictor(sys.argv[1], device='cpu')", args.model], check=True)
    import session_probes
    from session_steps import Session

    session_probes.SLOW_MS = args.trace_ms

    session = Session(paths, work, args.model, args.rss_abort_mb, stacks=args.stacks)
    try:
        session.run()
    finally:
        session.report()
        session.close()
        if args.trace:
            import json

            import session_probes

            args.trace.write_text(json.dumps(session_probes.SLOW))
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
