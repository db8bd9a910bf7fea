"""The training run: data, model, epochs, validation, checkpoints, resume and the NaN guard."""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path
from typing import Any

import torch
from torch import nn

from . import checks as C
from . import distributed as D
from . import state as S
from .data import Sample, TrainDataset, ValDataset, collect, dataset_hashes, discover, guard_split
from .distill import pseudo_samples, unlabeled_images, write_pseudo_labels
from .guard import PerImage, report as guard_report
from .heldout import Evaluation, evaluate_heldout, write_heldout, write_report
from .recipe import FT_SIZES, L2SP, apply_freeze, interpolate_weights, lr_factor, resolve
from .interm import gt_masks_for, train_gt_encoder
from .losses import get_loss
from .progress import Reporter, plot_curves
from .setup import (
    SCRATCH_LR, build_model, make_optimizer, prepare_batchnorm,
    seed_everything, sizes_for,
)
from .steps import batch_loader, compute_loss, epoch_batches, evaluate
from .validate import available_metrics, is_better
from u2studio.models.checkpoint import load_into, read_state_dict
from u2studio.models.config import CONFIGS
from u2studio.models.isnet import ISNetGTEncoder

EXIT_OK, EXIT_NAN, EXIT_ERROR = 0, 3, 2


class NonFiniteLoss(RuntimeError):
    """The loss became NaN or infinite; the run stops keeping its last good checkpoint."""


class Run:
    """Everything one training process needs, built from the parsed arguments."""

    def __init__(
        self, args: argparse.Namespace, info: D.DistInfo, device: torch.device, report: Reporter,
        samples: list[Sample] | None = None, run_dir: Path | None = None, phase: str | None = None,
    ) -> None:
        """One training. ``samples`` (already checked, with their splits), ``run_dir`` and ``phase`` come from
        the cross-validated fine-tune (``training.finetune``); without them this is the whole run in ``--out``,
        judged by the single held-out guard."""
        self.args, self.info, self.device, self.report = args, info, device, report
        self.run_dir = Path(run_dir or args.out)
        self.phase, self.judge = phase, samples is None
        self.config = CONFIGS[args.arch]
        if args.best_metric not in available_metrics():
            raise ValueError(f"--best-metric {args.best_metric} is not available (have {', '.join(sorted(available_metrics()))})")
        if args.interm_sup and args.arch != "isnet":
            raise ValueError("--interm-sup is IS-Net's intermediate supervision; use it with --arch isnet")
        if samples is None:
            C.validate_folders(args.data.split(","), lambda text: report.event("notice", message=text))
        seed_everything(args.seed, args.deterministic)
        model, self.finetune = build_model(args.arch, args.init)
        self.sizes = sizes_for(self.config, args.size, args.crop, FT_SIZES.get(args.arch) if self.finetune else None)
        if samples is None:
            samples = self.split_samples()
            C.validate_samples(samples)
        if self.judge:  # a fold or refit lives in the folder training.finetune has already prepared
            C.prepare_run_folder(self.run_dir, args.resume, getattr(args, "overwrite", False), info.is_main, tuple(args.data.split(",")))
        self.train_samples = [s for s in samples if s.split == "train"]
        self.val_samples = [s for s in samples if s.split == "val"]
        self.hashes = dataset_hashes(samples) if info.is_main else {}
        self.recipe = resolve(args, self.finetune, len(self.train_samples), info.world)
        self.bn_folded = bool(getattr(model, "u2_bn_folded", False))
        self.bn_frozen = prepare_batchnorm(model, self.finetune, args.train_bn)
        self.start_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        self.trainable = apply_freeze(model, self.recipe.freeze)
        self.l2sp = L2SP(model, self.recipe.l2sp)
        self.lr = self.recipe.lr
        self.val_ds = ValDataset(self.val_samples, self.config, self.sizes.val_size)
        self.sync_bn = bool(args.sync_bn and info.active and not self.bn_frozen and device.type == "cuda")
        if self.sync_bn:
            model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
        elif args.sync_bn:
            report.event("notice", message="--sync-bn ignored: it needs several GPU processes and trainable BatchNorm")
        # channels_last runs the convolutions faster on CUDA; the CPU keeps the default layout
        self.memory_format = torch.channels_last if device.type == "cuda" else torch.contiguous_format
        self.model = model.to(device, memory_format=self.memory_format)
        self.wrapped = D.wrap(self.model, info, device)
        pseudo = self.pseudo_samples(samples) if args.unlabeled else []
        self.n_pseudo = len(pseudo)
        vflip = args.arch != "isnet" and self.recipe.augment.vflip
        self.train_ds = TrainDataset(self.train_samples + pseudo, self.config, self.sizes.size, self.sizes.crop, vflip,
                                     args.seed, self.recipe.augment)
        # fp16 autocast (CUDA without bf16) needs loss scaling; bf16 and fp32 do not
        fp16 = device.type == "cuda" and not torch.cuda.is_bf16_supported()
        self.scaler = torch.amp.GradScaler("cuda", enabled=fp16)
        self.optimizer = make_optimizer(self.model, self.lr)
        self.loss_fn = get_loss(self.recipe.loss)
        self.baseline: Evaluation | None = None
        self.after: Evaluation | None = None
        self.gt_encoder: nn.Module | None = None
        self.epoch, self.step_in_epoch, self.global_step = 0, 0, 0
        self.best: float | None = None
        self.history: list[dict[str, Any]] = []
        self.loss_sum, self.loss_count = 0.0, 0

    def split_samples(self) -> list[Sample]:
        """Fine-tuning: the guard split (a quarter, at least 3, by content hash); from scratch: the stem-hash split."""
        specs = self.args.data.split(",")
        if not self.finetune:
            return collect(specs, 10.0 if self.args.val_percent is None else self.args.val_percent, self.args.val_count)
        pooled = [sample for spec in specs for sample in discover(spec)]
        share = 0.25 if self.args.val_percent is None else self.args.val_percent / 100
        return guard_split(pooled, share, 3, self.args.val_count)

    def pseudo_samples(self, labelled: list[Sample]) -> list[Sample]:
        """Distillation pairs from ``--unlabeled``: rank 0 writes the starting model's masks, every rank reads them."""
        images = unlabeled_images(self.args.unlabeled, labelled)
        if self.info.is_main and not (self.args.resume and (self.run_dir / S.STATE_FILE).is_file()):
            write_pseudo_labels(self.model, images, self.val_ds.config, self.device, self.run_dir)
        D.barrier(self.info)
        return pseudo_samples(images, self.run_dir, self.args.unlabeled)

    # ----- persistence -------------------------------------------------------------------------
    def metadata(self, metrics: dict[str, float], kind: str) -> dict[str, Any]:
        """Checkpoint metadata: enough for the Predictor, the model store and provenance."""
        return {
            "arch": self.args.arch, "source": "fine-tuned", "checkpoint": kind, "config": self.config.to_dict(),
            "bn_folded": self.bn_folded, "init": self.args.init, "loss": self.recipe.loss, "lr": self.lr,
            "epoch": self.epoch, "global_step": self.global_step, "metrics": metrics,
            "best_metric": self.args.best_metric, "train_size": self.sizes.size, "train_crop": self.sizes.crop,
            "datasets": self.hashes, "train_count": len(self.train_samples), "val_count": len(self.val_samples),
            "interm_sup": bool(self.args.interm_sup), "seed": self.args.seed, "code_version": S.code_version(),
            "recipe": self.recipe.to_dict(), "unlabeled_count": self.n_pseudo,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }

    def save(self, metrics: dict[str, float], improved: bool) -> None:
        """Write last (and best) checkpoints and the training state; rank 0 only."""
        state = {k: v.detach().cpu() for k, v in self.model.state_dict().items()}
        last = S.save_model(self.run_dir / S.LAST, state, self.metadata(metrics, "last"))
        best = S.save_model(self.run_dir / S.BEST, state, self.metadata(metrics, "best")) if improved else None
        payload: dict[str, Any] = {
            "model": state, "optimizer": self.optimizer.state_dict(), "epoch": self.epoch,
            "step_in_epoch": self.step_in_epoch, "global_step": self.global_step,
            "best": -1.0 if self.best is None else float(self.best), "has_best": self.best is not None,
            "history": S.history_to_text(self.history), "loss_sum": self.loss_sum, "loss_count": self.loss_count,
            "rng_torch": torch.get_rng_state(), "arch": self.args.arch, "seed": self.args.seed,
        }
        if torch.cuda.is_available():
            payload["rng_cuda"] = torch.cuda.get_rng_state_all()
        S.save_state(self.run_dir / S.STATE_FILE, payload)
        # reported once every file is in place, so a reader (or a kill) never sees half a checkpoint
        self.report.event("checkpoint", kind="last", path=last, epoch=self.epoch, step=self.global_step)
        if best is not None:
            self.report.event("checkpoint", kind="best", path=best, epoch=self.epoch, metric=self.args.best_metric, value=self.best)

    def restore(self) -> bool:
        """Continue from the run folder's state; returns False when there is none."""
        path = self.run_dir / S.STATE_FILE
        if not path.is_file():
            return False
        state = S.load_state(path)
        if state.get("arch") != self.args.arch or state.get("seed") != self.args.seed:
            raise S.ResumeError(f"{path} is a {state.get('arch')} run with seed {state.get('seed')}; pass the same --arch and --seed")
        load_into(self.model, state["model"], str(path))
        self.optimizer.load_state_dict(state["optimizer"])
        self.epoch, self.step_in_epoch = int(state["epoch"]), int(state["step_in_epoch"])
        self.global_step = int(state["global_step"])
        self.best = float(state["best"]) if state["has_best"] else None
        self.history = S.history_from_text(state["history"])
        self.loss_sum, self.loss_count = float(state["loss_sum"]), int(state["loss_count"])
        torch.set_rng_state(state["rng_torch"])
        if "rng_cuda" in state and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["rng_cuda"])
        return True

    def guard(self) -> None:
        """Compare the final weights with the starting ones on the held-out pairs; write best.* and heldout/."""
        if self.baseline is None:
            return
        # every rank scores its slice of the held-out pairs; rank 0 decides and writes
        after = evaluate_heldout(self.model, self.val_ds, self.config, self.device, self.args.workers, self.info)
        if self.info.is_main:
            before = self.baseline
            per_image = [PerImage(s.stem, b, a) for s, b, a in zip(self.val_samples, before.ious, after.ious)]
            extra = {
                "n_train": len(self.train_samples), "n_unlabeled": self.n_pseudo,
                "val_stems": [s.stem for s in self.val_samples],
                "heldout": write_heldout(self.run_dir, self.val_ds, before, after),
                "arch": self.args.arch, "init": self.args.init, "data": self.args.data.split(","),
                "recipe": self.recipe.to_dict(),
            }
            if len(per_image) < 3:
                extra["warning"] = f"only {len(per_image)} held-out pair(s): the comparison says little"
            verdict = guard_report(before.metrics, after.metrics, per_image, **extra)
            accepted = verdict["accepted"]
            state = {k: v.detach().cpu() for k, v in self.model.state_dict().items()} if accepted else self.start_state
            meta = self.metadata(after.metrics if accepted else before.metrics, "best")
            meta.update(accepted=accepted, weights="fine-tuned" if accepted else "starting", decision=verdict["decision"])
            path = S.save_model(self.run_dir / S.BEST, state, meta)
            write_report(self.run_dir, {**verdict, "checkpoint": meta})
            self.report.event("guard", **verdict)
            self.report.event("checkpoint", kind="best", path=path, epoch=self.epoch, accepted=accepted,
                              metric=self.args.best_metric, value=meta["metrics"].get(self.args.best_metric))
        D.barrier(self.info)

    # ----- phases ------------------------------------------------------------------------------
    def prepare_gt_encoder(self) -> None:
        """Phase 1 of intermediate supervision, or reload its frozen result."""
        path = self.run_dir / S.GT_ENCODER
        if path.is_file():
            encoder = ISNetGTEncoder()
            load_into(encoder, read_state_dict(path), str(path))
            self.gt_encoder = encoder.to(self.device).eval().requires_grad_(False)
            return
        val_ds = TrainDataset(self.val_samples, self.config, self.sizes.crop, self.sizes.crop, False, self.args.seed)
        self.gt_encoder = train_gt_encoder(
            self.train_ds, gt_masks_for(val_ds, 16), self.info, self.device, lr=SCRATCH_LR,
            batch_size=self.args.batch_size, seed=self.args.seed, workers=self.args.workers,
            max_epochs=self.args.gt_epochs, threshold=self.args.gt_threshold, report=self.report.event,
        )
        if self.info.is_main:
            state = {k: v.detach().cpu() for k, v in self.gt_encoder.state_dict().items()}
            S.save_model(path, state, {"arch": "isnet-gt-encoder", "source": "fine-tuned", "seed": self.args.seed})
        D.barrier(self.info)

    def train_epoch(self) -> bool:
        """Train the rest of the current epoch; returns False when --max-steps stopped it early."""
        args = self.args
        batches = epoch_batches(self.train_ds, self.epoch, args.batch_size, args.seed, self.info.rank, self.info.world, self.step_in_epoch)
        self.report.open_bar(len(batches), f"epoch {self.epoch + 1}/{self.recipe.epochs}")
        self.wrapped.train()
        total = self.step_in_epoch + len(batches)
        started, images = time.perf_counter(), 0
        for x, y in batch_loader(self.train_ds, batches, args.workers):
            x = x.to(self.device, non_blocking=True, memory_format=self.memory_format)
            y = y.to(self.device, non_blocking=True)
            loss, parts = compute_loss(self.wrapped, x, y, self.loss_fn, self.device, self.gt_encoder)
            penalty = self.l2sp(self.model)
            if penalty is not None:
                parts["l2sp"] = float(penalty.detach())
                loss = loss + penalty
            for group in self.optimizer.param_groups:
                group["lr"] = self.lr * lr_factor(self.recipe, self.global_step)
            if args.debug_nan_at_step is not None and self.global_step + 1 == args.debug_nan_at_step:
                loss = loss * float("nan")
            if D.any_true(self.info, not bool(torch.isfinite(loss)), self.device):
                raise NonFiniteLoss(f"the loss is not finite at step {self.global_step + 1} (epoch {self.epoch + 1})")
            self.optimizer.zero_grad(set_to_none=True)
            self.scaler.scale(loss).backward()
            self.scaler.step(self.optimizer)
            self.scaler.update()
            self.global_step += 1
            self.step_in_epoch += 1
            images += x.shape[0]
            value = float(loss.detach())
            self.loss_sum, self.loss_count = self.loss_sum + value, self.loss_count + 1
            elapsed = time.perf_counter() - started
            self.report.event(
                "step", epoch=self.epoch + 1, step=self.global_step, loss=value, parts=parts,
                images_per_s=images * self.info.world / max(elapsed, 1e-9),
            )
            if self.recipe.steps is not None and self.global_step >= self.recipe.steps and self.step_in_epoch < total:
                return False
        return True

    def validate(self) -> dict[str, float]:
        """Validation metrics, on every rank; under torchrun each rank scores its slice of the split."""
        if len(self.val_ds) == 0:
            return {}
        return evaluate(self.model, self.val_ds, self.config, self.device, self.args.workers, self.info)

    def finish_epoch(self, complete: bool) -> None:
        """Validate, record history, write checkpoints and curves at the end of an epoch (or a stop)."""
        args = self.args
        epoch_done = self.epoch + 1
        # fine-tuning validates only the final weights unless --val-every asks for more
        every = args.val_every or (self.recipe.epochs if self.finetune else 1)
        due = complete and (epoch_done % every == 0 or epoch_done == self.recipe.epochs)
        metrics = self.validate() if (due or not complete) else {}
        train_loss = D.mean_across(self.info, self.loss_sum / max(self.loss_count, 1), self.device)
        improved = False
        if self.info.is_main:
            value = metrics.get(args.best_metric)
            if value is not None and math.isfinite(value) and is_better(args.best_metric, value, self.best) and not self.finetune:
                self.best, improved = value, True
            if complete:
                self.history.append({"epoch": epoch_done, "train_loss": train_loss, "metrics": metrics, "step": self.global_step})
                self.report.event("epoch", epoch=epoch_done, train_loss=train_loss, metrics=metrics, step=self.global_step)
        if complete:
            self.epoch, self.step_in_epoch, self.loss_sum, self.loss_count = epoch_done, 0, 0.0, 0
        if self.info.is_main and (self.checkpoint_due(epoch_done) or not complete):
            self.save(metrics, improved)
            plot_curves(self.history, self.run_dir)
        D.barrier(self.info)

    def checkpoint_due(self, epoch_done: int) -> bool:
        """Every epoch, except a step-counted fine-tune (tiny epochs): about four checkpoints and the last."""
        if not self.finetune or self.args.epochs is not None:
            return True
        every = max(1, math.ceil(self.recipe.epochs / 4))
        return epoch_done % every == 0 or epoch_done >= self.recipe.epochs

    def run(self) -> None:
        """Train until --epochs (or --max-steps), validating and checkpointing every epoch."""
        args = self.args
        if args.resume:
            C.check_resume(self.run_dir, args, self.hashes, (self.sizes.size, self.sizes.crop))
        if self.finetune and self.val_samples:  # the starting weights on the held-out pairs, before training (sharded)
            self.baseline = evaluate_heldout(self.model, self.val_ds, self.config, self.device, args.workers, self.info)
        resumed = self.restore() if args.resume else False
        if args.resume and not resumed:
            self.report.event("notice", message=f"nothing to resume in {self.run_dir}; starting a new run")
        if self.gt_encoder is None and args.interm_sup:
            self.prepare_gt_encoder()
        self.report.event(
            "start", arch=args.arch, init=args.init, loss=self.recipe.loss, lr=self.lr, epochs=self.recipe.epochs,
            batch_size=args.batch_size, size=self.sizes.size, crop=self.sizes.crop, train=len(self.train_samples),
            val=len(self.val_samples), device=str(self.device), world=self.info.world, resumed=resumed,
            epoch=self.epoch, step=self.global_step, bn_frozen=self.bn_frozen, sync_bn=self.sync_bn, run_dir=self.run_dir,
            steps=self.recipe.steps, phase=self.phase,
        )
        if self.baseline is not None:
            self.report.event("baseline", metrics={**self.baseline.metrics, "IoU": float(sum(self.baseline.ious) / len(self.baseline.ious))})
        elif not resumed and args.val_before:
            self.report.event("baseline", metrics=self.validate())  # every rank validates; rank 0 reports
        while self.epoch < self.recipe.epochs:
            if self.recipe.steps is not None and self.global_step >= self.recipe.steps:
                break
            complete = self.train_epoch()
            self.report.close_bar()
            self.finish_epoch(complete)
            if not complete:
                break
        if self.finetune:  # after the checkpoints: state.pt and last.* keep the trained weights, so a resume is exact
            interpolate_weights(self.model, self.start_state, self.recipe.interpolate)
        if self.finetune and self.judge:
            self.guard()
        elif self.finetune and self.baseline is not None:  # a fold: its verdict is the cross-validation's
            self.after = evaluate_heldout(self.model, self.val_ds, self.config, self.device, args.workers, self.info)
        if not self.judge:
            return
        self.report.event("done", epoch=self.epoch, step=self.global_step, best=self.best, metric=args.best_metric, run_dir=self.run_dir)
