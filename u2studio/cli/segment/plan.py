"""Output names for a run: unique per run, never an input, never another output, existing files by policy.

Masks are ``<stem>.png`` and cutouts ``<stem>_cutout.<ext>``. Names are compared case-insensitively (two
names that differ only in case are one file on macOS and Windows). Each input first asks for its own stem;
inputs whose names collide get ``<stem>-2``, ``<stem>-3``… that no input asked for, in input order.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from u2studio.cli.segment.inputs import InputFile


class Refusal(Exception):
    """An output cannot be written as planned; the message names the file (exit status 2)."""


@dataclass
class Planned:
    """One input and the outputs planned for it (``None`` entries go to standard output)."""

    source: InputFile
    mask: Path | None = None
    cutout: Path | None = None
    skip: set[str] = field(default_factory=set)  # "mask"/"cutout" that exist and are kept (--skip-existing)

    @property
    def outputs(self) -> list[tuple[str, Path]]:
        """(kind, path) of the files still to write."""
        return [(k, p) for k, p in (("mask", self.mask), ("cutout", self.cutout)) if p is not None and k not in self.skip]


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


class Planner:
    """Hands out output names; remembers every name and every input of the run."""

    def __init__(self, out: Path, masks: bool, cutout_ext: str | None, existing: str) -> None:
        self.out = out
        self.masks = masks
        self.cutout_ext = cutout_ext
        self.existing = existing
        self.taken: set[str] = set()
        self.input_paths: set[str] = set()
        self.input_ids: set[tuple[int, int]] = set()

    def names(self, stem: str) -> list[str]:
        """The file names a stem gives."""
        found = [f"{stem}.png"] if self.masks else []
        return found + ([f"{stem}_cutout.{self.cutout_ext}"] if self.cutout_ext else [])

    def add_inputs(self, files: Sequence[InputFile]) -> None:
        """Remember inputs, so that no output lands on one."""
        for item in files:
            if item.path is not None:
                self.input_paths.add(os.path.realpath(item.path))
                ident = _identity(item.path)
                if ident is not None:
                    self.input_ids.add(ident)

    def plan(self, files: Sequence[InputFile]) -> list[Planned]:
        """Names for every file: own stems first (in order), then numbered stems for the ones that collided."""
        self.add_inputs(files)
        stems: list[str | None] = []
        for item in files:
            wanted = self.names(item.stem)
            if any(n.casefold() in self.taken for n in wanted):
                stems.append(None)
            else:
                self.taken.update(n.casefold() for n in wanted)
                stems.append(item.stem)
        asked = {item.stem.casefold() for item in files}
        return [self._planned(item, stem if stem is not None else self._numbered(item.stem, asked))
                for item, stem in zip(files, stems)]

    def plan_one(self, item: InputFile) -> Planned:
        """Names for a file that arrived later (``--watch``)."""
        self.add_inputs([item])
        wanted = self.names(item.stem)
        if any(n.casefold() in self.taken for n in wanted):
            return self._planned(item, self._numbered(item.stem, set()))
        self.taken.update(n.casefold() for n in wanted)
        return self._planned(item, item.stem)

    def _numbered(self, stem: str, asked: set[str]) -> str:
        number = 2
        while True:
            candidate = f"{stem}-{number}"
            wanted = self.names(candidate)
            if candidate.casefold() not in asked and not any(n.casefold() in self.taken for n in wanted):
                self.taken.update(n.casefold() for n in wanted)
                return candidate
            number += 1

    def _planned(self, item: InputFile, stem: str) -> Planned:
        names = self.names(stem)
        mask = self.out / names[0] if self.masks else None
        cutout = self.out / names[-1] if self.cutout_ext else None
        return Planned(item, mask, cutout)

    def check(self, planned: Planned) -> None:
        """Refuse an output that is an input; apply the policy to outputs that exist (Refusal names the file)."""
        for kind, path in planned.outputs:
            if os.path.realpath(path) in self.input_paths or _identity(path) in self.input_ids:
                raise Refusal(f"{path}: writing the {kind} of {planned.source.label} there would replace an "
                              "input image; choose another --out")
            if os.path.lexists(path):
                if self.existing == "skip":
                    planned.skip.add(kind)
                elif self.existing == "refuse":
                    raise Refusal(f"{path} exists already; pass --overwrite to replace it or --skip-existing "
                                  "to keep it")
                elif not os.path.isfile(path):
                    raise Refusal(f"{path} exists and is not a regular file; it is not replaced")
