"""The records of a fine-tuning dataset: what one image/mask pair carries, and the errors around them."""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from typing import Any, Literal

FORMAT_NAME = "u2studio-dataset"
FORMAT_VERSION = 1
STATES: tuple[str, ...] = ("corrected", "approved", "rejected")
SPLITS: tuple[str, ...] = ("train", "val")
TRAINING_STATES: tuple[str, ...] = ("corrected", "approved")
_HEX64 = re.compile(r"[0-9a-f]{64}")

State = Literal["corrected", "approved", "rejected"]
Split = Literal["train", "val"]


class DatasetError(Exception):
    """A dataset cannot be created, opened or changed; the message says which file and why."""


class ManifestError(DatasetError):
    """``manifest.jsonl`` or ``dataset.json`` is damaged or from a newer u2studio."""


class DatasetLockedError(DatasetError):
    """Another process held the dataset's lock for longer than we were willing to wait."""


def utc_now() -> str:
    """The current time as ISO 8601 UTC with milliseconds, e.g. ``2026-11-22T21:56:11.123Z``."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def split_for(image_sha256: str, val_ratio: float) -> Split:
    """``val`` when the image hash, read as a fraction of 2**256, is below ``val_ratio``: stable per image."""
    return "val" if int(image_sha256, 16) < int(val_ratio * (1 << 256)) else "train"


def check_val_ratio(val_ratio: float) -> float:
    """``val_ratio`` as a float in [0, 1], or ValueError."""
    ratio = float(val_ratio)
    if not (0.0 <= ratio <= 1.0) or math.isnan(ratio):
        raise ValueError(f"val_ratio must be between 0 and 1, got {val_ratio!r}")
    return ratio


def check_state(state: str) -> State:
    """``state`` if it is a review state, or ValueError listing the valid ones."""
    if state not in STATES:
        raise ValueError(f"unknown review state {state!r}; expected one of {', '.join(STATES)}")
    return state  # type: ignore[return-value]


@dataclass(frozen=True)
class Correction:
    """How much the annotator changed the model's prediction.

    ``changed``, ``iou`` and ``relax_f`` compare the prediction with the corrected
    mask, both binarised at 0.5; they are None when no prediction was given.
    """

    changed: float | None = None
    iou: float | None = None
    relax_f: float | None = None
    strokes: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class Record:
    """One image/mask pair: files (relative to the dataset folder), provenance, effort, review and split."""

    stem: str
    image: str
    mask: str
    source: str
    image_sha256: str
    mask_sha256: str
    width: int
    height: int
    model: str
    checkpoint_sha256: str
    correction: Correction
    state: State
    split: Split
    annotator: str
    created: str
    updated: str
    revision: int = 1
    image_converted: bool = False
    backups: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """The record as a JSON-ready dict (the manifest line)."""
        c = self.correction
        return {
            "stem": self.stem,
            "image": self.image,
            "mask": self.mask,
            "source": self.source,
            "image_sha256": self.image_sha256,
            "mask_sha256": self.mask_sha256,
            "width": self.width,
            "height": self.height,
            "model": self.model,
            "checkpoint_sha256": self.checkpoint_sha256,
            "correction": {
                "changed": c.changed,
                "iou": c.iou,
                "relax_f": c.relax_f,
                "strokes": c.strokes,
                "seconds": c.seconds,
            },
            "state": self.state,
            "split": self.split,
            "annotator": self.annotator,
            "created": self.created,
            "updated": self.updated,
            "revision": self.revision,
            "image_converted": self.image_converted,
            "backups": list(self.backups),
        }

    @classmethod
    def from_dict(cls, data: Any) -> Record:
        """Build a record from a manifest line's dict, or raise ValueError saying which field is wrong."""
        if not isinstance(data, dict):
            raise ValueError("a record must be a JSON object")
        try:
            corr = data["correction"]
            if not isinstance(corr, dict):
                raise ValueError("'correction' must be an object")
            correction = Correction(
                changed=_opt_float(corr.get("changed"), "correction.changed"),
                iou=_opt_float(corr.get("iou"), "correction.iou"),
                relax_f=_opt_float(corr.get("relax_f"), "correction.relax_f"),
                strokes=_int(corr.get("strokes", 0), "correction.strokes"),
                seconds=float(_number(corr.get("seconds", 0.0), "correction.seconds")),
            )
            record = cls(
                stem=_str(data["stem"], "stem"),
                image=_str(data["image"], "image"),
                mask=_str(data["mask"], "mask"),
                source=_str(data["source"], "source"),
                image_sha256=_sha(data["image_sha256"], "image_sha256"),
                mask_sha256=_sha(data["mask_sha256"], "mask_sha256"),
                width=_int(data["width"], "width"),
                height=_int(data["height"], "height"),
                model=_str(data["model"], "model"),
                checkpoint_sha256=_str(data["checkpoint_sha256"], "checkpoint_sha256"),
                correction=correction,
                state=check_state(_str(data["state"], "state")),
                split=_split(data["split"]),
                annotator=_str(data["annotator"], "annotator"),
                created=_str(data["created"], "created"),
                updated=_str(data["updated"], "updated"),
                revision=_int(data.get("revision", 1), "revision"),
                image_converted=bool(data.get("image_converted", False)),
                backups=tuple(_str(b, "backups[]") for b in _list(data.get("backups", []), "backups")),
            )
        except KeyError as exc:
            raise ValueError(f"missing field {exc.args[0]!r}") from None
        if not record.stem or "/" in record.stem or "\\" in record.stem or record.stem.startswith("."):
            raise ValueError(f"invalid stem {record.stem!r}")
        return record

    def with_changes(self, **changes: Any) -> Record:
        """A copy with some fields replaced."""
        return replace(self, **changes)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a dataset: a short kind, the record's stem or file it concerns, and what is wrong."""

    kind: str
    message: str
    stem: str | None = None
    path: str | None = None

    def __str__(self) -> str:
        where = self.path or self.stem or "dataset"
        return f"{where}: {self.message} [{self.kind}]"


@dataclass(frozen=True)
class WorstImage:
    """A record with little agreement between prediction and correction (a hard example)."""

    stem: str
    iou: float
    relax_f: float | None


@dataclass(frozen=True)
class DatasetStats:
    """Counts and mean correction effort over a dataset."""

    count: int
    by_state: dict[str, int]
    by_split: dict[str, int]
    by_annotator: dict[str, int]
    with_prediction: int
    mean_changed: float | None
    mean_iou: float | None
    mean_relax_f: float | None
    mean_strokes: float | None
    mean_seconds: float | None
    total_seconds: float
    worst_by_iou: list[WorstImage]
    worst_by_relax_f: list[WorstImage]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (for ``u2studio dataset stats --json``)."""
        return asdict(self)


def _str(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{name!r} must be a string, got {type(value).__name__}")
    return value


def _list(value: Any, name: str) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError(f"{name!r} must be a list, got {type(value).__name__}")
    return value


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name!r} must be a non-negative integer, got {value!r}")
    return value


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{name!r} must be a finite number, got {value!r}")
    return float(value)


def _opt_float(value: Any, name: str) -> float | None:
    return None if value is None else _number(value, name)


def _sha(value: Any, name: str) -> str:
    text = _str(value, name)
    if not _HEX64.fullmatch(text):
        raise ValueError(f"{name!r} must be 64 lower-case hex digits")
    return text


def _split(value: Any) -> Split:
    if value not in SPLITS:
        raise ValueError(f"'split' must be train or val, got {value!r}")
    return value  # type: ignore[no-any-return]
