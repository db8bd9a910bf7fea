"""The inference worker: results come back on the UI thread, stale ones are dropped, the UI keeps answering."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from u2studio.core.synthetic import scene

pytestmark = pytest.mark.gui


@pytest.fixture
def client(qtbot, bundled_weights: Path):  # noqa: ANN001, ANN201
    """A real InferenceClient with its worker thread, stopped after the test."""
    from u2studio.gui.inference.client import InferenceClient

    c = InferenceClient()
    yield c
    c.shutdown()


def _warm(client, qtbot) -> None:  # noqa: ANN001
    """Run once so torch is imported and the model is loaded before timing anything."""
    with qtbot.waitSignal(client.result, timeout=60_000):
        client.submit("warm", scene(96, 96)[0], "u2netp", "cpu")


def test_event_loop_answers_within_100_ms_during_real_cpu_inference(client, qtbot) -> None:  # noqa: ANN001
    from PySide6.QtCore import QTimer

    _warm(client, qtbot)
    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(tick)
    rgb = scene(640, 480)[0]
    timer.start()
    last[0] = time.perf_counter()
    begin = time.perf_counter()
    with qtbot.waitSignal(client.idle, timeout=60_000):
        for index in range(3):
            client.submit(f"img{index}", rgb, "u2netp", "cpu")
    elapsed = time.perf_counter() - begin
    timer.stop()
    assert elapsed > 0.2, "inference should take long enough for the latency check to mean something"
    assert len(gaps) > 10
    assert max(gaps) < 0.1, f"the UI thread stalled for {max(gaps) * 1000:.0f} ms"


def test_a_newer_request_for_the_same_image_drops_the_older_result(client, qtbot) -> None:  # noqa: ANN001
    _warm(client, qtbot)
    results: list[int] = []
    dropped: list[int] = []
    client.result.connect(lambda r: results.append(r.request_id))
    client.dropped.connect(dropped.append)
    rgb = scene(200, 150)[0]
    with qtbot.waitSignal(client.idle, timeout=60_000):
        first = client.submit("same", rgb, "u2netp", "cpu")
        second = client.submit("same", rgb, "u2netp", "cpu")
    assert results == [second]
    assert dropped == [first]


def test_cancel_drops_everything_queued(client, qtbot) -> None:  # noqa: ANN001
    _warm(client, qtbot)
    results: list[int] = []
    dropped: list[int] = []
    client.result.connect(lambda r: results.append(r.request_id))
    client.dropped.connect(dropped.append)
    rgb = scene(200, 150)[0]
    ids = [client.submit(f"k{i}", rgb, "u2netp", "cpu") for i in range(3)]
    client.cancel()
    assert not client.busy
    assert sorted(dropped) == ids
    qtbot.wait(300)
    # the worker may still finish the one it had started, but the client drops that result
    assert results == []
    with qtbot.waitSignal(client.result, timeout=60_000):
        client.submit("after", rgb, "u2netp", "cpu")  # the worker still serves new work


def test_an_unknown_model_fails_as_a_message_not_a_crash(client, qtbot) -> None:  # noqa: ANN001
    with qtbot.waitSignal(client.failed, timeout=60_000) as blocker:
        client.submit("x", np.zeros((32, 32, 3), np.uint8), "no-such-model", "cpu")
    assert "no-such-model" in blocker.args[0].message


@pytest.mark.skipif(not __import__("sys").platform.startswith("linux"), reason="per-thread nice values are Linux's")
def test_background_threads_yield_the_cpu_to_the_gui_thread(client, qtbot) -> None:  # noqa: ANN001
    import os
    import threading

    from u2studio.gui.common.background import BackgroundJobs

    gui = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    jobs = BackgroundJobs(1)
    seen: list[int] = []
    jobs.submit("nice", lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id()), seen.append)
    qtbot.waitUntil(lambda: bool(seen), timeout=10_000)
    assert seen[0] > gui  # a pool thread runs behind the GUI thread
    _warm(client, qtbot)
    tasks = Path("/proc/self/task")
    worker = [t for t in tasks.iterdir() if (t / "comm").read_text().strip().startswith("u2studio-infer")]
    assert worker, "the inference thread is named after its QThread"
    nice = int((worker[0] / "stat").read_text().rsplit(")", 1)[1].split()[16])
    assert nice > gui  # and so does the inference worker (torch's threads are made from it)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == gui  # the GUI thread is untouched


def test_a_pool_that_goes_idle_hands_the_freed_heap_back_once(qtbot, monkeypatch) -> None:  # noqa: ANN001
    import threading

    from u2studio.core import heap
    from u2studio.gui.common.background import BackgroundJobs

    trims: list[bool] = []
    monkeypatch.setattr(heap, "trim_soon", lambda: trims.append(True))
    jobs = BackgroundJobs(1)
    gate, seen = threading.Event(), []
    jobs.submit("a", lambda: gate.wait(10) and 1, seen.append)
    jobs.submit("b", lambda: 2, seen.append)
    qtbot.wait(50)
    assert not trims  # nothing came back yet
    gate.set()
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=10_000)
    assert trims == [True]  # after the last result, not after each
    jobs.submit("c", lambda: 3, seen.append)
    qtbot.waitUntil(lambda: len(seen) == 3, timeout=10_000)
    assert len(trims) == 2


def test_a_superseded_job_that_has_not_started_is_taken_out_of_the_queue_with_what_it_holds(qtbot) -> None:  # noqa: ANN001
    import threading
    import weakref

    import numpy as np

    from u2studio.gui.common.background import BackgroundJobs

    jobs = BackgroundJobs(1)
    gate, ran, seen = threading.Event(), [], []
    jobs.submit("busy", lambda: gate.wait(10), seen.append)  # the one pool thread is taken
    photo = np.zeros((400, 600, 3), np.uint8)
    held = weakref.ref(photo)
    jobs.submit("picture", lambda p=photo: ran.append("old") or p.shape, seen.append)
    del photo
    jobs.submit("picture", lambda: ran.append("new") or "new", seen.append)  # a newer one for the same key
    assert held() is None  # the queued old job and the array its closure held are gone already
    jobs.submit("other", lambda: ran.append("other") or "other", seen.append)
    jobs.cancel("other")  # cancelled before it started: it never runs
    gate.set()
    qtbot.waitUntil(lambda: not jobs.busy, timeout=10_000)
    assert ran == ["new"] and seen == [True, "new"]
    assert jobs.dropped == 2


@pytest.mark.skipif(not __import__("sys").platform.startswith("linux"), reason="per-thread nice values are Linux's")
def test_every_kind_of_background_thread_runs_behind_the_gui_thread(qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    import os
    import threading

    from u2studio.core import heap
    from u2studio.core.editing.autosave import Autosaver
    from u2studio.gui.canvas.cutout_jobs import CutoutJobs

    def nice() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    def policy_of(thread: threading.Thread) -> int:
        stat = Path(f"/proc/self/task/{thread.native_id}/stat").read_text()
        return int(stat.rsplit(")", 1)[1].split()[38])  # field 41, the scheduling policy

    def nice_of(thread: threading.Thread) -> int:
        stat = Path(f"/proc/self/task/{thread.native_id}/stat").read_text()
        return int(stat.rsplit(")", 1)[1].split()[16])

    gui = nice()
    cutouts = CutoutJobs()
    seen: list[object] = []
    cutouts.done.connect(lambda job, result: seen.append(result))
    cutouts.submit(nice)  # the pool that saves and copies cutouts
    qtbot.waitUntil(lambda: bool(seen), timeout=10_000)
    assert seen[0] > gui
    cutouts.submit(lambda: os.sched_getscheduler(0))
    qtbot.waitUntil(lambda: len(seen) >= 2, timeout=10_000)
    assert seen[1] == os.SCHED_IDLE  # a waking GUI thread preempts it at once
    saver = Autosaver(tmp_path / "photo.png", (4, 4), lambda: (np.zeros((4, 4), np.uint8), 0))
    qtbot.waitUntil(lambda: nice_of(saver._thread) > gui, timeout=5_000)  # the autosave's encodes
    qtbot.waitUntil(lambda: policy_of(saver._thread) == os.SCHED_IDLE, timeout=5_000)
    saver.close(discard_session=True)
    if heap.available():
        heap.trim_soon()
        heap.trim_soon()  # coalesced: the trim thread waits out the one-second gap, so it is there to look at
        trims = [t for t in threading.enumerate() if t.name == "u2studio-heap-trim"]
        assert trims
        qtbot.waitUntil(lambda: not trims[0].is_alive() or nice_of(trims[0]) > gui, timeout=5_000)
        assert not trims[0].is_alive() or nice_of(trims[0]) > gui  # it walks every arena: never at the GUI's priority
    assert nice() == gui and os.sched_getscheduler(0) == os.SCHED_OTHER  # the GUI thread keeps its own
