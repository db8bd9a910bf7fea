"""One training step, the epoch's batch order and validation of a model."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, DistributedSampler, Subset

from .losses import LossFn, deep_supervision, feature_sync
from .distributed import DistInfo, gather_to_all, shard_range
from .validate import Scores, compute_metrics
from u2studio.inference.predictor import postprocess
from u2studio.models.config import ModelConfig


def epoch_batches(
    dataset: Dataset, epoch: int, batch_size: int, seed: int, rank: int, world: int, skip: int = 0  # type: ignore[type-arg]
) -> list[list[tuple[int, int]]]:
    """This rank's batches of (index, epoch) keys for an epoch, shuffled by DistributedSampler.set_epoch.

    A last, smaller batch is dropped (when there is a full one): a batch of one
    image breaks BatchNorm on the 1×1 maps of small inputs. ``skip`` drops the
    batches a resumed run has already trained on.
    """
    sampler = DistributedSampler(dataset, num_replicas=world, rank=rank, shuffle=True, seed=seed, drop_last=False)
    sampler.set_epoch(epoch)
    order = list(sampler)
    usable = len(order) - len(order) % batch_size if len(order) >= batch_size else len(order)
    batches = [[(i, epoch) for i in order[k : k + batch_size]] for k in range(0, usable, batch_size)]
    return batches[skip:]


def batch_loader(dataset: Dataset, batches: list[list[tuple[int, int]]], workers: int) -> DataLoader:  # type: ignore[type-arg]
    """A loader that yields exactly ``batches`` in order."""
    return DataLoader(dataset, batch_sampler=batches, num_workers=workers, persistent_workers=False)


def autocast_for(device: torch.device) -> contextlib.AbstractContextManager[Any]:
    """bf16/fp16 autocast on CUDA, nothing elsewhere (losses stay fp32 from logits)."""
    if device.type == "cuda":
        dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return torch.autocast("cuda", dtype=dtype)
    return contextlib.nullcontext()


def split_outputs(raw: object) -> tuple[list[torch.Tensor], list[torch.Tensor] | None]:
    """Map logits and (for IS-Net) decoder features from a model's output."""
    if isinstance(raw, tuple) and len(raw) == 2 and isinstance(raw[0], list):
        return raw[0], raw[1]
    assert isinstance(raw, list)
    return raw, None


def compute_loss(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, loss_fn: LossFn, device: torch.device,
    gt_encoder: nn.Module | None = None,
) -> tuple[torch.Tensor, dict[str, float]]:
    """Forward one batch and return the total loss and its parts."""
    with autocast_for(device):
        outputs, features = split_outputs(model(x))
        gt_features = None
        if gt_encoder is not None:
            with torch.no_grad():
                gt_features = gt_encoder(y)[1]
    seg = deep_supervision(outputs, y, loss_fn)
    parts = {"seg": float(seg.detach())}
    if gt_encoder is not None:
        if features is None or gt_features is None:
            raise ValueError("intermediate supervision needs IS-Net features")
        fs = feature_sync(features, gt_features)
        parts["fs"] = float(fs.detach())
        return seg + fs, parts
    return seg, parts


@torch.no_grad()
def predict_maps(model: nn.Module, x: torch.Tensor, config: ModelConfig, device: torch.device) -> np.ndarray:
    """The main output's sigmoid for a batch, as N×S×S float32."""
    with autocast_for(device):
        outputs, _ = split_outputs(model(x.to(device)))
    return torch.sigmoid(outputs[config.main_output].float())[:, 0].cpu().numpy()


def validation_pairs(
    model: nn.Module, dataset: Dataset, config: ModelConfig, device: torch.device, workers: int  # type: ignore[type-arg]
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(prediction at the reference's size, reference) pairs, post-processed as the Predictor does."""
    loader = DataLoader(dataset, batch_size=None, num_workers=workers)
    for x, gt in loader:
        prob = predict_maps(model, x[None], config, device)[0]
        gt_np = np.asarray(gt)
        yield postprocess(prob, gt_np.shape[0], gt_np.shape[1], min_max=True), gt_np


def evaluate(
    model: nn.Module, dataset: Dataset, config: ModelConfig, device: torch.device, workers: int,  # type: ignore[type-arg]
    info: DistInfo | None = None,
) -> dict[str, float]:
    """Validation metrics of ``model`` (switched to eval mode and back), the same on every rank.

    Under torchrun (``info`` active) each rank scores its own contiguous slice of the
    validation images and the per-image results are gathered and appended in rank
    order, which is exactly the state one process scoring every image would hold:
    no rank idles in a collective while another validates alone.
    """
    was_training = model.training
    model.eval()
    try:
        if info is None or not info.active:
            return compute_metrics(validation_pairs(model, dataset, config, device, workers))
        mine = Subset(dataset, list(shard_range(info, len(dataset))))
        scored = Scores().add_pairs(validation_pairs(model, mine, config, device, workers))
        combined = Scores()
        for state in gather_to_all(info, scored.state()):
            combined.absorb(state)
        return combined.results()
    finally:
        model.train(was_training)
