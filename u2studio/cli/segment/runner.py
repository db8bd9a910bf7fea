"""One segment run: inputs, output plan, engine, pipeline, summary, with one error boundary and exit status.

Exit status: 0 all done; 1 some file failed; 2 unusable input or options (nothing was written); 130 for a
Ctrl+C outside ``--watch`` (with the summary of what was done).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from u2studio.cli.segment.inputs import InputFile, collect, in_shard
from u2studio.cli.segment.options import SegmentOptions, UsageError
from u2studio.cli.segment.plan import Planned, Planner, Refusal
from u2studio.cli.segment.summary import RunSummary
from u2studio.cli.segment.work import Work
from u2studio.core.atomic import atomic_write_text
from u2studio.inference.hardware import ThreadSettingError, cpu_threads


def note(text: str) -> None:
    """A line for the user on standard error."""
    print(text, file=sys.stderr, flush=True)


def prepare_out(out: Path) -> None:
    """Create the output folder and prove it takes a file; UsageError with the reason otherwise."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".u2studio-probe-"):
            pass
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot write there ({exc.strerror or exc})") from None


class SegmentRun:
    """Runs :class:`SegmentOptions` to an exit status."""

    def __init__(self, options: SegmentOptions) -> None:
        self.options = options
        self.summary = RunSummary(shard=(options.shard.index, options.shard.count) if options.shard else None)
        self.stop = threading.Event()
        self.seen: set[str] = set()
        self.planner: Planner | None = None

    def execute(self) -> int:
        """Do the run; returns the exit status."""
        started = time.perf_counter()
        try:
            planned = self._plan()
        except (UsageError, Refusal) as exc:
            note(f"error: {exc}")
            return 2
        if not planned and not self.options.watch:
            note("error: no images found in the inputs")
            return 2
        from u2studio.inference.engine import open_engine

        try:
            engine = open_engine(self.options.model, self.options.device, parallel=len(planned) > 1 or self.options.watch,
                                 on_notice=lambda text: note(f"note: {text}"))
        except Exception as exc:
            if not _model_error(exc):
                raise
            note(f"error: {exc}")
            return 2
        self.summary.model, self.summary.device, self.summary.backend = engine.name, engine.device, engine.backend
        stdin_data = sys.stdin.buffer.read() if any(p.source.path is None for p in planned) else None
        interrupted = self._pipeline(engine, Work(self.options, engine.config, stdin_data), planned)
        self.summary.seconds = time.perf_counter() - started
        self.summary.device, self.summary.backend = engine.device, engine.backend
        return self._report(interrupted)

    def _plan(self) -> list[Planned]:
        opts = self.options
        try:
            cpu_threads(keep_ui_core=False)
        except ThreadSettingError as exc:
            raise UsageError(str(exc)) from None
        collected = collect(opts.inputs)
        for message in collected.set_aside:
            note(f"skipped: {message}")
        self.summary.skipped += len(collected.set_aside)
        if opts.watch:
            self._check_watch()
        files = collected.files
        if opts.out is not None:
            prepare_out(opts.out)
        self.planner = Planner(opts.out or Path("."), opts.masks and not opts.to_stdout, opts.cutout_format if opts.cutouts and not
                               opts.to_stdout else None, opts.existing)
        planned = self.planner.plan(files)  # names from every file, so that shards agree on them
        if opts.shard is not None:
            planned = [p for p in planned if in_shard(p.source.relative, opts.shard)]
        for item in planned:
            self.planner.check(item)
            if item.source.path is not None:
                self.seen.add(str(item.source.path))
        self.summary.total = len(planned) + len(collected.set_aside)
        kept = [p for p in planned if p.outputs or opts.to_stdout]
        self.summary.skipped += len(planned) - len(kept)
        if len(kept) < len(planned):
            note(f"skipped: {len(planned) - len(kept)} image(s) whose outputs exist already (--skip-existing)")
        return kept

    def _check_watch(self) -> None:
        opts = self.options
        folders = [Path(i) for i in opts.inputs]
        if not all(f.is_dir() for f in folders):
            raise UsageError("--watch needs folders as inputs")
        if opts.out is not None and any(os.path.realpath(f) == os.path.realpath(opts.out) for f in folders):
            raise UsageError("--watch: the output folder must not be a watched folder (outputs would become inputs)")

    def _jobs(self, planned: list[Planned]) -> Iterator[Planned]:
        yield from planned
        if not self.options.watch:
            return
        from u2studio.cli.segment.watch import watch_folders

        note("watching for new images (Ctrl+C stops and prints the summary)")
        assert self.planner is not None
        for item in watch_folders([Path(i) for i in self.options.inputs], self.seen, self.stop, note):
            self.summary.total += 1
            job = self.planner.plan_one(item)
            try:
                self.planner.check(job)
            except Refusal as exc:
                self.summary.failures.append((item.label, str(exc)))
                continue
            if job.outputs:
                yield job
            else:
                self.summary.skipped += 1

    def _pipeline(self, engine: Any, work: Work, planned: list[Planned]) -> bool:
        """Run every job through the pipeline; True when a Ctrl+C ended it."""
        from u2studio.inference.pipeline import Pipeline, Stages

        lanes = engine.parallel
        helpers = max(2, lanes // 2)  # decoding and encoding a 24-MP photo each cost about an inference
        stages = Stages(work.load, work.finish, engine.forward_main, lanes=lanes, max_batch=engine.max_batch,
                        loaders=helpers, finishers=helpers,
                        max_in_flight=max(2, lanes + 2) if engine.max_batch == 1 else 2 * engine.max_batch)
        total = None if self.options.watch else len(planned)
        bar = _progress_bar(total, self.options.progress)

        def on_result(job: Planned, result: object) -> None:
            bar.update(1)
            if isinstance(result, BaseException):
                reason = str(result) if _names_file(result) else f"{job.source.label}: {type(result).__name__}: {result}"
                self.summary.failures.append((job.source.label, reason))  # listed after the summary line
            else:
                self.summary.segmented += 1

        pipeline = Pipeline(stages, self._jobs(planned), on_result)
        pipeline.stop = self.stop
        try:
            self.stats = pipeline.run()
        except KeyboardInterrupt:
            self.stats = pipeline.stats
            return True
        finally:
            bar.close()
        return False

    def _report(self, interrupted: bool) -> int:
        opts = self.options
        where = "standard output" if opts.out is None else str(opts.out)
        note(self.summary.line(where))
        for _label, reason in self.summary.failures:
            note(f"failed: {reason}")
        if opts.summary is not None:
            record = self.summary.to_json()
            stats = getattr(self, "stats", None)
            record["median_forward_ms"] = stats.median_forward_ms if stats else None
            try:
                atomic_write_text(opts.summary, json.dumps(record, indent=2) + "\n")
            except OSError as exc:
                note(f"error: could not write the summary {opts.summary} ({exc.strerror or exc})")
                return 2 if not self.summary.failures else 1
        if interrupted and not opts.watch:
            return 130
        return 1 if self.summary.failures else 0


def _model_error(exc: BaseException) -> bool:
    """Whether opening the model failed for a reason to report in one line (a bad model, device or setting)."""
    checkpoint = sys.modules.get("u2studio.models.checkpoint")  # only imported (with torch) on the torch path
    if checkpoint is not None and isinstance(exc, checkpoint.CheckpointError):
        return True
    return isinstance(exc, (RuntimeError, ValueError, OSError))


def _names_file(exc: BaseException) -> bool:
    """Errors whose message already names the file (decode and write errors)."""
    return type(exc).__name__ in ("ImageLoadError", "OutputError")


__all__ = ["InputFile", "SegmentRun", "prepare_out"]


class _NoBar:
    """The progress bar when none is shown (no terminal, or ``--quiet``): nothing to import or draw."""

    def update(self, n: int = 1) -> None:
        """Count nothing."""

    def close(self) -> None:
        """Nothing to close."""


def _progress_bar(total: int | None, wanted: bool) -> Any:
    """A tqdm bar on stderr when progress is wanted and stderr is a terminal; otherwise a no-op (tqdm costs
    60 ms to import, a tenth of the start-up budget of a scripted run)."""
    if not wanted or not sys.stderr.isatty():
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, unit="img", file=sys.stderr)
