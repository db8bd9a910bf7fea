"""The architectures: official state-dict keys and shapes, and random-weight forward passes."""

from __future__ import annotations

import pytest
import torch

from u2studio.models import create_model
from u2studio.models.isnet import isnet_gt_encoder

# Facts from the seeds (000, 004): per RSU depth, the conv layers inside it.
def rsu_layers(depth: int) -> list[str]:
    """The REBNCONV names inside an RSU of this depth (RSU-L and RSU-LF share them)."""
    return ["rebnconvin"] + [f"rebnconv{i}" for i in range(1, depth + 1)] + [f"rebnconv{i}d" for i in range(depth - 1, 0, -1)]


def expected_shapes(stages: list[tuple[str, int, int, int, int]], heads: dict[str, tuple[int, ...]]) -> dict[str, tuple[int, ...]]:
    """Every state-dict key with its shape, written out from the architecture tables."""
    out: dict[str, tuple[int, ...]] = {}
    for name, depth, cin, mid, cout in stages:
        chans = {"rebnconvin": (cin, cout), "rebnconv1": (cout, mid), "rebnconv1d": (2 * mid, cout)}
        for layer in rsu_layers(depth):
            i, o = chans.get(layer, (2 * mid, mid) if layer.endswith("d") else (mid, mid))
            out[f"{name}.{layer}.conv_s1.weight"] = (o, i, 3, 3)
            out[f"{name}.{layer}.conv_s1.bias"] = (o,)
            for p in ("weight", "bias", "running_mean", "running_var"):
                out[f"{name}.{layer}.bn_s1.{p}"] = (o,)
            out[f"{name}.{layer}.bn_s1.num_batches_tracked"] = ()
    out.update(heads)
    return out


def side_heads(channels: list[int]) -> dict[str, tuple[int, ...]]:
    heads: dict[str, tuple[int, ...]] = {}
    for i, c in enumerate(channels, start=1):
        heads[f"side{i}.weight"] = (1, c, 3, 3)
        heads[f"side{i}.bias"] = (1,)
    return heads


U2NET = [
    ("stage1", 7, 3, 32, 64), ("stage2", 6, 64, 32, 128), ("stage3", 5, 128, 64, 256), ("stage4", 4, 256, 128, 512),
    ("stage5", 4, 512, 256, 512), ("stage6", 4, 512, 256, 512), ("stage5d", 4, 1024, 256, 512),
    ("stage4d", 4, 1024, 128, 256), ("stage3d", 5, 512, 64, 128), ("stage2d", 6, 256, 32, 64), ("stage1d", 7, 128, 16, 64),
]
U2NETP = [
    ("stage1", 7, 3, 16, 64), ("stage2", 6, 64, 16, 64), ("stage3", 5, 64, 16, 64), ("stage4", 4, 64, 16, 64),
    ("stage5", 4, 64, 16, 64), ("stage6", 4, 64, 16, 64), ("stage5d", 4, 128, 16, 64), ("stage4d", 4, 128, 16, 64),
    ("stage3d", 5, 128, 16, 64), ("stage2d", 6, 128, 16, 64), ("stage1d", 7, 128, 16, 64),
]
ISNET = [("stage1", 7, 64, 32, 64)] + U2NET[1:]
OUTCONV = {"outconv.weight": (1, 6, 1, 1), "outconv.bias": (1,)}

EXPECTED = {
    "u2net": expected_shapes(U2NET, {**side_heads([64, 64, 128, 256, 512, 512]), **OUTCONV}),
    "u2netp": expected_shapes(U2NETP, {**side_heads([64] * 6), **OUTCONV}),
    "isnet": expected_shapes(
        ISNET, {**side_heads([64, 64, 128, 256, 512, 512]), "conv_in.weight": (64, 3, 3, 3), "conv_in.bias": (64,)}
    ),
}


@pytest.mark.parametrize("arch", ["u2net", "u2netp", "isnet"])
def test_state_dict_keys_and_shapes_match_official_release(arch: str) -> None:
    state = create_model(arch).state_dict()
    expected = EXPECTED[arch]
    assert set(state) - set(expected) == set(), "unexpected keys"
    assert set(expected) - set(state) == set(), "missing keys"
    wrong = {k: (tuple(v.shape), expected[k]) for k, v in state.items() if tuple(v.shape) != expected[k]}
    assert not wrong


@pytest.mark.parametrize(("arch", "millions"), [("u2net", 44.0), ("u2netp", 1.13)])
def test_parameter_counts_match_paper(arch: str, millions: float) -> None:
    count = sum(p.numel() for p in create_model(arch).parameters()) / 1e6
    assert count == pytest.approx(millions, abs=0.01)


@pytest.mark.parametrize("arch", ["u2net", "u2netp"])
def test_u2net_forward_returns_seven_logit_maps_at_input_size(arch: str) -> None:
    torch.manual_seed(0)
    model = create_model(arch).eval()
    x = torch.randn(2, 3, 72, 88)
    with torch.no_grad():
        outs = model(x)
    assert len(outs) == 7
    for o in outs:
        assert o.shape == (2, 1, 72, 88)
        assert torch.isfinite(o).all()
    # logits, not probabilities: the random-weight maps leave [0, 1]
    assert any(o.min() < 0 or o.max() > 1 for o in outs)


def test_isnet_forward_returns_six_maps_and_six_features() -> None:
    torch.manual_seed(0)
    model = create_model("isnet").eval()
    x = torch.randn(1, 3, 128, 96)
    with torch.no_grad():
        sides, feats = model(x)
    assert len(sides) == 6 and all(s.shape == (1, 1, 128, 96) and torch.isfinite(s).all() for s in sides)
    assert [f.shape[1] for f in feats] == [64, 64, 128, 256, 512, 512]
    assert feats[0].shape[2:] == (64, 48)


def test_gt_encoder_features_align_with_isnet_features() -> None:
    torch.manual_seed(0)
    encoder = isnet_gt_encoder().eval()
    segmenter = create_model("isnet").eval()
    mask = (torch.rand(1, 1, 128, 128) > 0.5).float()
    with torch.no_grad():
        sides, feats = encoder(mask)
        _, image_feats = segmenter(torch.randn(1, 3, 128, 128))
    assert len(sides) == 6 and all(s.shape == (1, 1, 128, 128) for s in sides)
    assert [f.shape for f in feats] == [f.shape for f in image_feats]
    keys = encoder.state_dict().keys()
    assert {"conv_in.conv.weight", "conv_in.bn.running_var", "side6.weight"} <= set(keys)


def test_unknown_architecture_is_named() -> None:
    with pytest.raises(KeyError, match="unknown architecture 'resnet'"):
        create_model("resnet")
