"""The bounded pipeline: stages overlap, at most ``max_in_flight`` jobs are held, one failure stays one failure."""

from __future__ import annotations

import threading
import time

import numpy as np

from u2studio.inference.pipeline import Pipeline, Stages


def _run(stages: Stages[int], jobs: int) -> tuple[dict[int, object], Pipeline[int]]:
    results: dict[int, object] = {}
    pipeline = Pipeline(stages, iter(range(jobs)), lambda job, result: results.__setitem__(job, result))
    pipeline.run()
    return results, pipeline


def test_jobs_in_memory_stay_within_the_bound_and_all_finish() -> None:
    alive = [0, 0]  # now, peak: arrays that exist between load and finish
    lock = threading.Lock()

    def load(job: int) -> tuple[np.ndarray, int]:
        time.sleep(0.002)
        with lock:
            alive[0] += 1
            alive[1] = max(alive[1], alive[0])
        return np.full((3, 8, 8), job, np.float32), job

    def finish(job: int, payload: int, prob: np.ndarray) -> int:
        time.sleep(0.02)  # a slow writer: loads must wait for it instead of piling up
        with lock:
            alive[0] -= 1
        return int(prob.mean()) + payload

    stages = Stages(load, finish, lambda batch: batch[:, 0], lanes=2, loaders=2, finishers=1, max_in_flight=3)
    results, pipeline = _run(stages, 30)
    assert results == {j: 2 * j for j in range(30)}
    assert alive[1] <= 3 and pipeline.stats.peak_in_flight <= 3


def test_a_failing_job_is_reported_and_the_others_go_on() -> None:
    def load(job: int) -> tuple[np.ndarray, None]:
        if job == 3:
            raise ValueError("job 3 is broken")
        return np.zeros((3, 4, 4), np.float32), None

    stages = Stages(load, lambda job, payload, prob: job, lambda batch: batch[:, 0])
    results, _ = _run(stages, 6)
    assert isinstance(results[3], ValueError) and [results[j] for j in (0, 1, 2, 4, 5)] == [0, 1, 2, 4, 5]


def test_an_accelerator_lane_takes_batches() -> None:
    sizes: list[int] = []

    def forward(batch: np.ndarray) -> np.ndarray:
        sizes.append(len(batch))
        time.sleep(0.05)
        return batch[:, 0]

    stages = Stages(lambda job: (np.zeros((3, 4, 4), np.float32), None), lambda job, payload, prob: job, forward,
                    lanes=1, max_batch=4, loaders=2, max_in_flight=8)
    results, pipeline = _run(stages, 16)
    assert sorted(results) == list(range(16)) and max(sizes) > 1 and max(sizes) <= 4
    assert pipeline.stats.median_forward_ms is not None


def test_ctrl_c_drains_every_started_job_even_when_it_lands_in_the_result_callback() -> None:
    """A first SIGINT stops pulling jobs and lets the ones in flight finish; run() then raises KeyboardInterrupt.

    The interrupt is sent from inside the result callback, the moment a plain KeyboardInterrupt used to escape
    without stopping the loaders (and could leave a queue's lock held)."""
    import itertools
    import os
    import signal

    import pytest

    results: dict[int, object] = {}

    def on_result(job: int, result: object) -> None:
        results[job] = result
        if job == 5:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)  # the handler runs here, in the callback

    def load(job: int) -> tuple[np.ndarray, int]:
        time.sleep(0.01)
        return np.zeros((3, 4, 4), np.float32), job

    stages = Stages(load, lambda job, payload, prob: payload, lambda batch: batch[:, 0], lanes=2, loaders=2,
                    finishers=1, max_in_flight=4)
    pipeline = Pipeline(stages, itertools.count(), on_result)  # an endless source, like --watch
    before = signal.getsignal(signal.SIGINT)
    started = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        pipeline.run()
    assert time.perf_counter() - started < 10
    assert pipeline.stop.is_set() and 5 in results
    assert sorted(results) == list(range(len(results)))  # every job that was pulled was finished and reported
    assert all(results[j] == j for j in results)
    assert signal.getsignal(signal.SIGINT) is before  # the previous handler is back
