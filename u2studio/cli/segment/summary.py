"""The end of a segment run: one summary line, and a JSON summary that shards' summaries merge from.

Merge the shards of one job with ``python -m u2studio.cli.segment.summary OUT/segment-summary-*.json``: it
prints the merged JSON, names missing shards, and exits 1 when any file failed or a shard is missing.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMAT = "u2studio-segment-summary/1"


@dataclass
class RunSummary:
    """Counts, failures and time of one run (or one shard)."""

    total: int = 0
    segmented: int = 0
    skipped: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    model: str = ""
    device: str = ""
    backend: str = ""
    shard: tuple[int, int] | None = None

    @property
    def failed(self) -> int:
        """How many inputs failed."""
        return len(self.failures)

    @property
    def images_per_second(self) -> float:
        """Segmented images per second of the run's wall time."""
        return self.segmented / self.seconds if self.seconds > 0 else 0.0

    def line(self, where: str) -> str:
        """``segmented 10/12 images (1 skipped, 1 failed) with … in 3.2 s, 3.1 images/s -> OUT``."""
        extra = ", ".join(f"{n} {what}" for n, what in ((self.skipped, "skipped"), (self.failed, "failed")) if n)
        shard = f" [shard {self.shard[0]}/{self.shard[1]}]" if self.shard else ""
        return (f"segmented {self.segmented}/{self.total} images{f' ({extra})' if extra else ''}{shard} with "
                f"{self.model} on {self.device} ({self.backend}) in {self.seconds:.1f} s, "
                f"{self.images_per_second:.2f} images/s -> {where}")

    def to_json(self) -> dict[str, Any]:
        """The mergeable JSON form."""
        return {
            "format": FORMAT, "shard": list(self.shard) if self.shard else None, "total": self.total,
            "segmented": self.segmented, "skipped": self.skipped, "failed": self.failed,
            "failures": [{"input": i, "reason": r} for i, r in self.failures], "seconds": round(self.seconds, 3),
            "images_per_second": round(self.images_per_second, 3), "model": self.model, "device": self.device,
            "backend": self.backend,
        }


def merge(summaries: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One summary from shard summaries: counts and failures add up; time is the slowest shard's."""
    if not summaries:
        raise ValueError("nothing to merge")
    for item in summaries:
        if item.get("format") != FORMAT:
            raise ValueError(f"not a segment summary (format {item.get('format')!r})")
    counts = {k: sum(int(s[k]) for s in summaries) for k in ("total", "segmented", "skipped", "failed")}
    seconds = max(float(s["seconds"]) for s in summaries)
    shards = sorted({tuple(s["shard"]) for s in summaries if s.get("shard")})
    count = shards[0][1] if shards else None
    missing = sorted(set(range(1, count + 1)) - {i for i, _ in shards}) if count else []
    return {
        "format": FORMAT, **counts, "failures": [f for s in summaries for f in s.get("failures", [])],
        "seconds": seconds, "images_per_second": round(counts["segmented"] / seconds, 3) if seconds > 0 else 0.0,
        "shards": [list(s) for s in shards], "missing_shards": missing,
    }


def main(argv: Iterable[str] | None = None) -> int:
    """Print the merged summary of the files given; exit 1 when anything failed or a shard is missing."""
    paths = [Path(a) for a in (sys.argv[1:] if argv is None else argv)]
    if not paths:
        print("usage: python -m u2studio.cli.segment.summary SUMMARY.json...", file=sys.stderr)
        return 2
    try:
        merged = merge([json.loads(p.read_text(encoding="utf-8")) for p in paths])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(merged, indent=2))
    if merged["missing_shards"]:
        print(f"missing shards: {', '.join(map(str, merged['missing_shards']))}", file=sys.stderr)
    return 1 if merged["failed"] or merged["missing_shards"] else 0


if __name__ == "__main__":
    sys.exit(main())
