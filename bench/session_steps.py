"""The steps of bench_session.py, each run through the real event loop with its longest stall recorded."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import cv2
import numpy as np
from PySide6.QtCore import QPointF, QTimer

from u2studio.core.priority import lower_current_thread
from session_probes import (busy_report, cpu_times, Heartbeat, MemoryExceeded, PaintProbe, Pointer, RssSampler, StallStacks, mask_hash, memory_breakdown,
                            now_ms, numpy_owners, pump, python_owners, qt_pictures, wavy)

STROKE_MS = 1300.0  # the stroke: about 1.3 s
BRUSH_SCREEN_PX = 50.0


class Session:
    """Drives one MainWindow through the whole session and keeps the numbers."""

    def __init__(self, paths: list[str], work: Path, model: str, rss_abort_mb: float, stacks: bool = False) -> None:
        from u2studio.gui.app import create_window

        self.paths = paths
        self.work = work
        self.window = create_window([])
        self.window.resize(1600, 1000)
        self.controller = self.window.controller
        self.controller.model = model
        self.canvas = self.window.canvas
        self.beat = Heartbeat()
        self.rss = RssSampler(rss_abort_mb)
        self.probe = PaintProbe(self.canvas)
        self.rows: list[tuple[str, float, float, float, float]] = []  # step, ms until done, worst stall ms, RSS MB, peak MB
        self.brush: dict[str, list[float]] = {}
        self.switch_warm: list[float] = []  # to an image whose photo is still decoded in memory
        self.switch_cold: list[float] = []  # to an image never shown yet
        self.switch_evicted: list[float] = []  # to an image shown before whose photo the memory budget evicted
        self.expected: dict[str, str | Future] = {}
        self.revisit_ok = False
        self.aborted = ""
        self.hashing = ThreadPoolExecutor(1, initializer=lower_current_thread)  # the bench's own checking, behind the GUI  # an image off screen gets no mask until shown: hash its base off the loop
        self.controller.prediction_arrived.connect(self._arrived)
        self.cpu_before = cpu_times()
        self.rss.start()
        self.beat.start()
        self.stacks = StallStacks(self.beat) if stacks else None
        if self.stacks is not None:
            self.stacks.start()
        pump(None, 1.0)

    def _arrived(self, doc) -> None:  # noqa: ANN001
        """Remember the hash of the mask an arriving result gives (its derived base when no mask is made yet)."""
        if doc.mask is not None:
            self.expected[str(doc.path)] = mask_hash(doc.mask)
            return
        from u2studio.core.document import mask_from_prediction

        threshold = doc.threshold
        if doc.prediction_held:  # held at arrival; replaced, never changed in place
            prediction = doc.prediction
            self.expected[str(doc.path)] = self.hashing.submit(lambda: mask_hash(mask_from_prediction(prediction, threshold)))
            return
        # only the model-size map arrived (an image off screen): reading doc.prediction here would re-make the
        # 24-MP prediction on the UI thread and keep it; the same bytes are made on the hashing thread instead
        source = doc.prediction_source
        self.expected[str(doc.path)] = self.hashing.submit(lambda: mask_hash(mask_from_prediction(source.enlarge(), threshold)))

    def _expected(self, doc) -> str | None:  # noqa: ANN001
        value = self.expected.get(str(doc.path))
        return value.result() if isinstance(value, Future) else value

    # ----- helpers ------------------------------------------------------------------------
    def step(self, name: str, action: Callable[[], object], until: Callable[[], bool] | None = None,
             timeout_s: float = 120.0, settle_s: float = 0.25) -> float:
        """Run ``action`` inside the event loop, wait for ``until``, and record time and the worst stall."""
        self.beat.reset()
        self.rss.step_peak_mb = self.rss.current_mb
        if self.stacks is not None:
            self.stacks.label = name
        begin = now_ms()
        done = [0.0]

        def finished() -> bool:
            if until is None or until():
                done[0] = done[0] or now_ms()
                return True
            return False

        QTimer.singleShot(0, action)
        pump(lambda: False, 0.02, self.rss)
        pump(finished, timeout_s, self.rss)
        elapsed = (done[0] or now_ms()) - begin
        pump(None, settle_s, self.rss)
        self.rows.append((name, elapsed, self.beat.stall(), self.rss.current_mb, self.rss.step_peak_mb))
        return elapsed

    @property
    def doc(self):  # noqa: ANN201
        """The shown document."""
        return self.controller.doc

    def _base_key(self) -> int:
        return self.canvas.layer_image("base").cacheKey()

    def select(self, index: int, bucket: list[float]) -> None:
        """Switch to image ``index`` and time it until the paint that shows it.

        A switch meant as warm counts as one to an evicted image when the photo is no longer decoded.
        """
        doc = self.controller.documents[index]
        if bucket is self.switch_warm and doc.rgb is None:
            bucket = self.switch_evicted
        old = self._base_key()
        began, shown = [0.0], [0.0]  # when the selection was made, and the end of the paint that showed it

        def on_paint() -> None:
            presenter = self.controller.presenter
            if not shown[0] and presenter.doc is doc and self.canvas.layer_visible("base") and self._base_key() != old:
                shown[0] = now_ms()

        def action() -> None:
            began[0] = now_ms()
            self.controller.select(index)

        self.probe.on_paint = on_paint
        self.step(f"switch to {index}", action, lambda: bool(shown[0]), 30.0, 0.1)
        self.probe.on_paint = None
        elapsed = shown[0] - began[0] if shown[0] else float("nan")
        name, _, stall, rss, peak = self.rows[-1]
        self.rows[-1] = (name, elapsed, stall, rss, peak)  # the paint's own time, not the loop's next check
        bucket.append(elapsed)

    def stroke(self, label: str, zoom: float | None, refine_path: np.ndarray | None = None) -> None:
        """One brush stroke (or a refine drag along ``refine_path``, image coordinates) from synthetic mouse events."""
        from u2studio.gui.editing.tools import Tool

        doc = self.doc
        if zoom is None:
            self.canvas.fit()
        else:
            self.canvas.set_zoom(zoom)
            centre = refine_path.mean(0) if refine_path is not None else (doc.size[0] * 0.5 + min(doc.size) * 0.33, doc.size[1] * 0.52)
            self.canvas.centerOn(QPointF(*centre))
        pump(None, 0.2, self.rss)
        edits = self.window.editing.edits
        viewport = self.canvas.viewport().rect()
        if refine_path is None:
            edits.set_settings(tool=Tool.BRUSH, size=BRUSH_SCREEN_PX / self.canvas.zoom)
            start = QPointF(viewport.center().x() - 300, viewport.center().y())
            path = wavy(start, 600.0)
        else:
            edits.set_settings(tool=Tool.REFINE, refine_width=40.0)
            points = [self.canvas.mapFromScene(QPointF(float(x), float(y))) for x, y in refine_path]

            def path(u: float) -> QPointF:
                return QPointF(points[min(len(points) - 1, int(u * (len(points) - 1)))])
        self.probe.take()
        version = doc.mask_version
        pointer = Pointer(self.probe, path, STROKE_MS)
        self.step(label, pointer.begin, lambda: pointer.done and not self.probe.waiting and doc.mask_version != version,
                  30.0, 0.5 if refine_path is None else 1.0)
        if refine_path is None:
            self.brush[label] = self.probe.take()
        self.expected[str(doc.path)] = mask_hash(doc.mask)

    def boundary_run(self) -> np.ndarray:
        """About 250 consecutive boundary points of the shown mask (image coordinates), for refine-edge."""
        mask = self.doc.mask
        contours, _ = cv2.findContours((mask > 127).astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        longest = max(contours, key=len)[:, 0, :]
        start = len(longest) // 3
        return longest[start : start + 250].astype(np.float64)

    # ----- the session ----------------------------------------------------------------------
    def run(self) -> None:
        """Every step in order; an RSS overrun ends it early (and is reported)."""
        try:
            self._run()
        except MemoryExceeded as exc:
            self.aborted = str(exc)

    def _run(self) -> None:
        c, w = self.controller, self.window
        first = {"shown": False}
        self.probe.on_paint = lambda: first.__setitem__("shown", c.doc is not None and self.canvas.layer_visible("base"))
        self.step(f"open {len(self.paths)} images, show the first", lambda: w.open_paths(self.paths), lambda: first["shown"])
        self.probe.on_paint = None
        docs = c.documents
        self.step("run all: first result", w.actions_["run_all"].trigger, lambda: docs[0].has_prediction, 300.0)
        more = len(docs) > 1
        if more and any(d.running for d in docs[1:]):
            self.stroke("brush, fit, model busy", None)
            self.stroke("brush, 100 %, model busy", 1.0)
        self.step("run all: remaining results", lambda: None,
                  lambda: all(d.has_prediction and not d.running for d in docs), 60.0 * len(docs))
        for i in range(1, min(len(docs), 6)):
            self.select(i, self.switch_cold)
            self.select(i - 1, self.switch_warm)
            self.select(i, self.switch_warm)
        self.select(0, self.switch_warm)
        self.stroke("brush, fit, idle", None)
        self.stroke("brush, 100 %, idle", 1.0)
        self.canvas.fit()
        for name, change in (("threshold 0.5 -> 0.3", {"threshold": 0.3}), ("rho 3 -> 5", {"rho": 5})):
            self.step(name, lambda ch=change: w.update_options(**ch))
        from u2studio.gui.canvas.view_options import ViewMode

        for mode in (ViewMode.IMAGE, ViewMode.CUTOUT, ViewMode.MASK, ViewMode.SIDE, ViewMode.TINT):
            self.step(f"view {mode.value}", w.actions_.by_mode[mode].trigger)
        for name in ("contour", "contour", "relaxed"):
            self.step(f"toggle {name}", w.actions_[name].trigger)
        self.stroke("brush, fit, relaxed zone on", None)
        self.step("toggle relaxed", w.actions_["relaxed"].trigger)
        self.expected[str(self.doc.path)] = mask_hash(self.doc.mask)
        out = self.work / "out"
        out.mkdir(exist_ok=True)
        from PySide6.QtWidgets import QFileDialog

        for kind in ("mask", "cutout"):  # the studio's own actions, with the file dialog answered
            target = out / f"{kind}.png"
            QFileDialog.getSaveFileName = lambda *a, t=target, **k: (str(t), "PNG (*.png)")  # type: ignore[method-assign]
            self.step(f"save {kind}", w.actions_[f"save_{kind}"].trigger, lambda t=target: t.exists(), 60.0, 0.5)
        copied: list[bytes] = []
        self.controller.cutout_copied.connect(copied.append)
        # the cutout is rendered and encoded off the UI thread: the step ends when the clipboard has it
        self.step("copy cutout", w.actions_["copy_cutout"].trigger, lambda: bool(copied), 60.0, 0.3)
        self.paste_elsewhere()
        self.stroke("refine edge, 100 %", 1.0, self.boundary_run())
        self.canvas.fit()
        ds = w.dataset.session
        ds.create(self.work / "dataset", 0.1)
        self.step("export to dataset", w.dataset.actions["export"].trigger, lambda: not ds.busy, 120.0, 0.5)
        self.revisit()

    def paste_elsewhere(self) -> None:
        """Under X, read the clipboard from another process (xclip) while timing the studio's stall."""
        from PySide6.QtGui import QGuiApplication

        if QGuiApplication.platformName() != "xcb" or shutil.which("xclip") is None:
            print("  (paste from another process skipped: needs Xvfb/X11 and xclip)")
            return
        target = self.work / "out" / "pasted.png"
        procs: list[subprocess.Popen] = []

        def start() -> None:
            procs.append(subprocess.Popen(["xclip", "-selection", "clipboard", "-t", "image/png", "-o"],
                                          stdout=target.open("wb"), stderr=subprocess.DEVNULL))

        self.step("paste in another app (xclip)", start, lambda: bool(procs) and procs[0].poll() is not None, 60.0, 0.3)
        size = target.stat().st_size if target.exists() else 0
        print(f"  xclip read {size / 2**20:.1f} MB of PNG (exit {procs[0].returncode if procs else '-'})")

    def revisit(self) -> None:
        """Show every image again and compare its mask with the hash taken when it arrived (or was last edited)."""
        ok = True
        for index, doc in enumerate(self.controller.documents):
            if index != self.controller.current:
                self.select(index, self.switch_warm)
            ok = ok and mask_hash(doc.mask) == self._expected(doc)
        self.revisit_ok = ok and len(self.expected) == len(self.controller.documents)

    # ----- results ----------------------------------------------------------------------
    def report(self) -> None:
        """The per-step table and the summary line."""
        if self.stacks is not None:
            self.stacks.stop()
            self.stacks.report()
        print(f"{'step':<40} {'done ms':>9} {'stall ms':>9} {'RSS MB':>8} {'peak MB':>8}")
        for name, elapsed, stall, rss, peak in self.rows:
            print(f"{name:<40} {elapsed:9.0f} {stall:9.0f} {rss:8.0f} {peak:8.0f}")
        everything: list[float] = []
        for label, values in self.brush.items():
            everything += values
            if values:
                arr = np.array(values)
                worst = np.argsort(arr)[::-1][:3]
                print(f"  {label:<34} n={len(arr):3d} p50 {np.percentile(arr, 50):6.1f}  p95 {np.percentile(arr, 95):6.1f}"
                      f"  max {arr.max():6.1f} ms  (worst at events " + ", ".join(f"#{i} {arr[i]:.0f}" for i in worst) + ")")
        for what, values in (("a not-yet-shown image", self.switch_cold), ("an evicted image (decoded again)", self.switch_evicted),
                             ("a decoded image (switch_ms)", self.switch_warm)):
            if values:
                print(f"  switch to {what}: n={len(values)} median {np.median(values):.0f} max {max(values):.0f} ms")
        docs, memory = self.controller.documents, self.controller.memory
        mb = 2**20
        print(f"  at the end: documents' arrays {memory.used(docs) / mb:.0f} MB (photos {sum(d.rgb is not None for d in docs)}, "
              f"full-size predictions {sum(d.prediction_held for d in docs)}, masks {sum(d.mask is not None for d in docs)}, "
              f"edit layers {sum(d.edits is not None for d in docs)}), pictures and caches {memory.held() / mb:.0f} MB, "
              f"budget {memory.budget_bytes / mb:.0f} MB, RSS {self.rss.current_mb:.0f} MB")
        print("  " + busy_report(self.cpu_before, cpu_times()))
        print(f"  torch imported in the studio's process: {'yes' if 'torch' in sys.modules else 'no'}")
        parts = memory_breakdown()
        print("  where RSS is: " + ", ".join(f"{k} {v:.0f} MB" for k, v in parts.items()))
        from u2studio.core import heap

        heap.trim_now()
        print("  after malloc_trim(0): " + ", ".join(f"{k} {v:.0f} MB" for k, v in memory_breakdown().items()))
        pictures, holders = qt_pictures()
        print("  pictures Python can reach: " + ", ".join(f"{k} {v:.0f}" for k, v in pictures.items()))
        for line in holders + numpy_owners() + python_owners():
            print("   " + line)
        if self.aborted:
            print(f"  STOPPED EARLY: {self.aborted}")
        brush = np.array(everything) if everything else np.array([float("nan")])
        stall = max((r[2] for r in self.rows), default=float("nan"))
        switch = max(self.switch_warm) if self.switch_warm else float("nan")
        print(f"brush_p95_ms={np.percentile(brush, 95):.1f} brush_max_ms={brush.max():.1f} max_stall_ms={stall:.0f} "
              f"switch_ms={switch:.0f} rss_peak_mb={self.rss.peak_mb:.0f} revisit_ok={int(self.revisit_ok)} "
              f"images={len(self.paths)}", flush=True)

    def close(self) -> None:
        """Close the window without prompts and stop the sampler."""
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.question = lambda *a, **k: QMessageBox.StandardButton.Discard  # type: ignore[method-assign]
        self.rss.stop()
        self.beat.timer.stop()
        self.hashing.shutdown(wait=True)
        self.window.close()
        self.window.deleteLater()
        pump(None, 0.5)
        from PySide6.QtWidgets import QApplication

        from u2studio.gui.app import shut_down

        shut_down(QApplication.instance())  # as the studio quits (it used to crash at exit after the copy step)
