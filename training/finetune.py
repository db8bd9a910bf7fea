"""Fine-tuning judged on every pair by cross-validation, then refit on every pair.

With a few dozen corrected pairs, a single held-out quarter (three images) cannot tell a fine-tune
that generalises from one that fits them by chance, and the pairs it holds out never train the
model the user installs (docs/training.md, "Measured"). So by default:

1. The pairs are dealt into K folds by content hash (``data.cv_folds``; 2 folds of at least 3
   pairs by default). Fold ``k`` trains on the other folds, in ``RUN/folds/<k>/`` (a normal run folder that
   resumes like any other), and scores the starting and the trained weights on its own pairs.
2. The guard's conditions (``guard.py``) are checked once over all pairs, each predicted by a
   model that never saw it.
3. When accepted, the model to install is trained on every pair with the same recipe (the refit,
   in ``RUN/``); when declined, ``RUN/best.safetensors`` is the starting weights.

``--folds 1`` (or ``--val-percent``/``--val-count``) judges on one held-out split as before;
``--no-refit`` then installs the weights trained on the training split itself.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch

from . import checks as C
from . import distributed as D
from . import state as S
from .data import Sample, ValDataset, cv_folds, default_folds, discover, guard_split
from .recipe import FT_FREEZE, single_split, soup_weights
from .guard import PerImage, report as guard_report
from .heldout import Evaluation, merge, write_heldout, write_report
from .progress import Reporter
from .trainer import NonFiniteLoss, Run
from u2studio.models.checkpoint import read_state_dict
from u2studio.models.config import CONFIGS

FOLDS = "folds"


def plan_folds(args: argparse.Namespace, n_pairs: int) -> int:
    """The number of folds: ``--folds``, 1 with an explicit validation share, otherwise ``default_folds``."""
    if single_split(args):
        return 1
    return int(args.folds) if args.folds is not None else default_folds(n_pairs)


def splits_for(args: argparse.Namespace, pooled: list[Sample], k: int) -> list[list[Sample]]:
    """The training/validation splits to run: one guard split, or ``k`` cross-validation folds."""
    if k == 1:
        share = 0.25 if args.val_percent is None else args.val_percent / 100
        return [guard_split(pooled, share, 3, args.val_count)]
    return cv_folds(pooled, k)


def fine_tune(args: argparse.Namespace, info: D.DistInfo, device: torch.device, report: Reporter) -> None:
    """The whole cross-validated fine-tune: folds, verdict, refit, ``best.*`` and ``heldout/``."""
    run_dir = Path(args.out)
    specs = args.data.split(",")
    C.validate_folders(specs, lambda text: report.event("notice", message=text))
    pooled = [sample for spec in specs for sample in discover(spec)]
    C.validate_samples(pooled)
    C.prepare_run_folder(run_dir, args.resume, args.overwrite, info.is_main, tuple(specs))
    D.barrier(info)
    k = plan_folds(args, len(pooled))
    if k == 1 and not args.refit:
        Run(args, info, device, report).run()
        return
    mode = args.freeze or FT_FREEZE
    candidates = [_with_freeze(args, m) for m in AUTO_FREEZE] if mode == "auto" else [args]
    trials: list[Trial] = []
    judged_recipes: list[argparse.Namespace] = []
    for index, candidate in enumerate(candidates):
        # the first candidate is the plain recipe, in the plain layout; the others in folds/<mode>/<fold>/
        root = run_dir / FOLDS / candidate.freeze if index else run_dir / FOLDS
        label = f" ({RECIPE_NAMES[candidate.freeze]})" if index else ""
        try:
            trials.append(cross_validate(candidate, info, device, report, pooled, k, root, label))
        except NonFiniteLoss as exc:
            if len(candidates) == 1 or (index == len(candidates) - 1 and not trials):
                raise
            report.event("notice", message=f"{RECIPE_NAMES[candidate.freeze]}: not judged, {exc}")
            continue
        judged_recipes.append(candidate)
        if len(candidates) > 1:
            report.event("notice", message=f"{RECIPE_NAMES[candidate.freeze]}: {trials[-1].verdict['decision']}")
    candidates = judged_recipes
    chosen = choose(trials)
    trial, args = trials[chosen], candidates[chosen]
    verdict, trained = trial.verdict, trial.trained
    if len(candidates) > 1:
        verdict = {**verdict, "freeze_candidates": {c.freeze: t.summary() for c, t in zip(candidates, trials)},
                   "freeze": args.freeze}
    accepted = bool(verdict["accepted"])
    final: Run | None = None
    if accepted and args.refit:
        every = [replace(s, split="train") for s in pooled]
        final = Run(args, info, device, report, samples=every, run_dir=run_dir, phase="refit on every pair")
        final.run()
        trained = {n: v.detach().cpu() for n, v in final.model.state_dict().items()}
        if args.soup and info.is_main:
            trained = soup(trial, run_dir, args.soup_interpolate)
    before, after, judged = trial.before, trial.after, trial.judged
    start_state, template, fold_train = trial.start_state, trial.template, trial.fold_train
    if info.is_main:
        write_verdict(args, report, run_dir, verdict, before, after, judged, start_state, trained if accepted else None,
                      final, template, k, fold_train, len(pooled), template.get("unlabeled_count", 0))
    D.barrier(info)
    steps = final.global_step if final is not None else 0
    report.event("done", epoch=final.epoch if final else 0, step=steps, best=None, metric=args.best_metric, run_dir=run_dir)


AUTO_FREEZE = ("encoder", "none")  # --freeze auto: the candidates, cheapest first


def _with_freeze(args: argparse.Namespace, mode: str) -> argparse.Namespace:
    """A copy of the arguments with ``--freeze mode``."""
    return argparse.Namespace(**{**vars(args), "freeze": mode})


@dataclass
class Trial:
    """One recipe judged by cross-validation: every pair's before/after and the guard's verdict."""

    before: Evaluation
    after: Evaluation
    judged: list[Sample]
    verdict: dict[str, Any]
    start_state: dict[str, torch.Tensor]
    template: dict[str, Any]
    fold_train: list[int]
    trained: dict[str, torch.Tensor] | None  # the single split's weights (k == 1), else None
    fold_dirs: list[Path]  # each fold's run folder (its last.safetensors: the fold's trained weights)

    def summary(self) -> dict[str, Any]:
        """What best.json records about a candidate that was judged."""
        return {"accepted": self.verdict["accepted"], "decision": self.verdict["decision"],
                "mean_iou": self.verdict["conditions"]["mean_iou"], "before": self.before.metrics,
                "after": self.after.metrics}


def choose(trials: list[Trial]) -> int:
    """The trial to install: of the accepted ones, the highest mean held-out IoU (the first on a tie); the
    first (the default recipe) when none was accepted."""
    accepted = [i for i, t in enumerate(trials) if t.verdict["accepted"]]
    if not accepted:
        return 0
    return max(accepted, key=lambda i: (float(trials[i].verdict["conditions"]["mean_iou"]["after"]), -i))


def cross_validate(args: argparse.Namespace, info: D.DistInfo, device: torch.device, report: Reporter,
                   pooled: list[Sample], k: int, root: Path, label: str = "") -> Trial:
    """Train and judge the recipe in ``args`` on every fold (in ``root/<fold>/``) and apply the guard;
    ``label`` is added to each fold's progress phase."""
    befores: list[Evaluation] = []
    afters: list[Evaluation] = []
    judged: list[Sample] = []
    start_state: dict[str, torch.Tensor] = {}
    trained: dict[str, torch.Tensor] | None = None
    fold_train: list[int] = []
    fold_dirs: list[Path] = []
    template: dict[str, Any] = {}
    for index, split in enumerate(splits_for(args, pooled, k)):
        phase = (f"fold {index + 1}/{k}" if k > 1 else "held-out split") + label
        run = Run(args, info, device, report, samples=split, run_dir=root / str(index), phase=phase)
        run.run()
        assert run.baseline is not None and run.after is not None
        befores.append(run.baseline)
        afters.append(run.after)
        judged.extend(run.val_samples)
        fold_train.append(len(run.train_samples))
        fold_dirs.append(root / str(index))
        start_state = start_state or run.start_state
        template = template or run.metadata({}, "best")
        if k == 1:
            trained = {n: v.detach().cpu() for n, v in run.model.state_dict().items()}
        del run
    before, after = merge(befores), merge(afters)
    per_image = [PerImage(s.stem, b, a) for s, b, a in zip(judged, before.ious, after.ious)]
    verdict = guard_report(before.metrics, after.metrics, per_image)  # every rank holds the same evaluations
    return Trial(before, after, judged, verdict, start_state, template, fold_train, trained, fold_dirs)


def soup(trial: Trial, run_dir: Path, factor: float) -> dict[str, torch.Tensor]:
    """The model to install after an accepted refit: the uniform average of every fold model's and the refit's
    trained weights (each ``last.safetensors``), moved ``factor`` of the way from the starting weights.

    Each of them trained on other pairs and other crops; their mean keeps what they agree on and averages away
    what one of them memorised, so it can take a longer step from the start than a single model (0.75 against
    the folds' 0.5). Measured in docs/training.md ("The installed soup")."""
    members = [read_state_dict(folder / S.LAST) for folder in [*trial.fold_dirs, run_dir]]
    return soup_weights(trial.start_state, members, factor)


RECIPE_NAMES = {"encoder": "decoder only", "none": "whole network"}


def candidates_sentence(verdict: dict[str, Any]) -> str:
    """With --freeze auto: which recipes were judged and why this one (empty otherwise)."""
    candidates = verdict.get("freeze_candidates")
    if not candidates:
        return ""
    parts = [f"{RECIPE_NAMES.get(mode, mode)} {'accepted' if c['accepted'] else 'declined'} "
             f"(mean IoU {c['mean_iou']['before']:.3f} -> {c['mean_iou']['after']:.3f})" for mode, c in candidates.items()]
    tail = f"; the numbers above and the installed model are {RECIPE_NAMES.get(verdict['freeze'], verdict['freeze'])}'s" \
        if verdict["accepted"] else ""
    return " Two recipes were judged (which layers train): " + ", ".join(parts) + tail + "."


def write_verdict(
    args: argparse.Namespace, report: Reporter, run_dir: Path, verdict: dict[str, Any], before: Evaluation,
    after: Evaluation, judged: list[Sample], start_state: dict[str, torch.Tensor],
    trained: dict[str, torch.Tensor] | None, final: Run | None, template: dict[str, Any], k: int,
    fold_train: list[int], n_pairs: int, n_unlabeled: int,
) -> None:
    """Write ``best.safetensors`` (the accepted weights or the starting ones), ``heldout/`` and ``best.json``."""
    accepted = trained is not None
    refit = final is not None
    n_train = n_pairs if refit else fold_train[0]
    if k > 1:
        how = f" Cross-validated over {k} folds: each image was scored by a model trained without it."
    else:
        how = " Judged on one held-out split."
    if refit:
        how += f" The installed model was then trained on all {n_pairs} pairs."
        if args.soup:
            folds = f"the {k} fold models" if k > 1 else "the held-out split's model"
            how += f" What is installed averages it with {folds}, moved {args.soup_interpolate:g} of the way from the starting weights."
    how += candidates_sentence(verdict)
    protocol = {"folds": k, "refit": refit, "fold_train": fold_train, "pairs": n_pairs,
                "soup": {"members": k + 1, "interpolate": args.soup_interpolate} if refit and args.soup else None}
    config = CONFIGS[args.arch]
    extra: dict[str, Any] = {
        "n_train": n_train, "n_unlabeled": n_unlabeled, "val_stems": [s.stem for s in judged],
        "heldout": write_heldout(run_dir, ValDataset(judged, config, config.input_size), before, after),
        "arch": args.arch, "init": args.init, "data": args.data.split(","), "protocol": protocol,
    }
    if len(judged) < 3:
        extra["warning"] = f"only {len(judged)} held-out pair(s): the comparison says little"
    full = {**verdict, **extra, "decision": verdict["decision"] + how}
    meta: dict[str, Any] = final.metadata(after.metrics, "best") if final else {**template, "train_count": n_train}
    meta.update(accepted=accepted, weights="fine-tuned" if accepted else "starting", decision=full["decision"],
                metrics=after.metrics if accepted else before.metrics, protocol=protocol)
    full["recipe"] = meta.get("recipe")
    path = S.save_model(run_dir / S.BEST, trained if trained is not None else start_state, meta)
    write_report(run_dir, {**full, "checkpoint": meta})
    report.event("guard", **full)
    report.event("checkpoint", kind="best", path=path, epoch=final.epoch if final else 0, accepted=accepted,
                 metric=args.best_metric, value=meta["metrics"].get(args.best_metric))
