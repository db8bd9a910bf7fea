"""Run under ``torch.distributed.run``: sharded validation of one model, and (rank 0) the single-process one.

Usage: ``python -m torch.distributed.run --standalone --nproc_per_node 2 tests/ddp_eval_driver.py DATA``.
Each rank prints one JSON line: its rank, how many validation images it scored, and the combined metrics
(the training validation and the guard's held-out evaluation); rank 0 also prints what one process
scoring every image with the same weights computes.
"""

from __future__ import annotations

import json
import sys

import torch

from u2studio.training import distributed as D
from u2studio.training.data import ValDataset, collect
from u2studio.training.setup import build_model
from u2studio.training.heldout import evaluate_heldout
from u2studio.training.steps import evaluate
from u2studio.models.config import CONFIGS


def main(data: str) -> None:
    """Score the validation split of ``data`` with a seeded u2netp, sharded over the job's ranks."""
    torch.set_num_threads(1)
    info = D.setup("cpu")
    torch.manual_seed(7)
    model, _ = build_model("u2netp", "scratch")
    samples = [s for s in collect([data], 0.0, 5) if s.split == "val"]
    dataset = ValDataset(samples, CONFIGS["u2netp"], 64)
    sharded = evaluate(model, dataset, CONFIGS["u2netp"], torch.device("cpu"), 0, info)
    line = {"rank": info.rank, "world": info.world, "scored": len(D.shard_range(info, len(dataset))), "sharded": sharded}
    held = evaluate_heldout(model, dataset, CONFIGS["u2netp"], torch.device("cpu"), 0, info)
    line["heldout"] = {"metrics": held.metrics, "ious": held.ious, "thumbs": [t.tolist() for t in held.thumbs]}
    if info.is_main:
        line["single"] = evaluate(model, dataset, CONFIGS["u2netp"], torch.device("cpu"), 0)
        one = evaluate_heldout(model, dataset, CONFIGS["u2netp"], torch.device("cpu"), 0)
        line["single_heldout"] = {"metrics": one.metrics, "ious": one.ious, "thumbs": [t.tolist() for t in one.thumbs]}
        line["total"] = len(dataset)
    print(json.dumps(line), flush=True)
    D.teardown(info)


if __name__ == "__main__":
    main(sys.argv[1])
