"""Never lose work: a session folder per image with the current mask, written atomically in the background.

Layout: ``data_dir()/sessions/<key>/`` holds ``mask-<seq>.png`` and ``session.json``.
The PNG is written first, then the JSON that names it (both atomic), then older PNGs are
removed, so after a crash at any instant the JSON points at a complete PNG. The JSON
also holds the SHA-256 of the mask's pixels, checked on recovery.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from u2studio.core.atomic import atomic_write_text
from u2studio.core.imageio import ImageLoadError, load_mask, save_png
from u2studio.core.paths import data_dir
from u2studio.core.priority import lower_current_thread

SCHEMA_VERSION = 1
META_NAME = "session.json"
RETRY_S = 2.0  # after a failed background write, the next try comes this long (or one interval) later
Snapshot = Callable[[], tuple[np.ndarray, int]]


class RecoveryError(Exception):
    """A session's files are missing, unreadable, or do not match their record."""


def sessions_dir() -> Path:
    """Where editing sessions live."""
    return data_dir() / "sessions"


def session_key(image_path: str | os.PathLike[str], size: tuple[int, int]) -> str:
    """The folder name for an image: a hash of its absolute path and (width, height)."""
    ident = f"{Path(image_path).expanduser().resolve()}|{int(size[0])}x{int(size[1])}"
    return hashlib.sha256(ident.encode("utf-8")).hexdigest()[:20]


def mask_digest(mask: np.ndarray) -> str:
    """SHA-256 of a mask's shape and pixels.

    The pixels are hashed through the buffer protocol: hashlib releases the GIL over them, where
    ``tobytes()`` first copied 24 MB with the GIL held while the brush waited for it.
    """
    digest = hashlib.sha256(f"{mask.shape[0]}x{mask.shape[1]}:".encode())
    digest.update(np.ascontiguousarray(mask))
    return digest.hexdigest()


@dataclass(frozen=True)
class Session:
    """One image's autosave folder and what its JSON says."""

    folder: Path
    meta: dict[str, Any]

    @property
    def image_path(self) -> Path:
        """The image being edited."""
        return Path(self.meta["image_path"])

    @property
    def dirty(self) -> bool:
        """Whether the autosaved mask holds edits the person has not saved themselves."""
        return bool(self.meta.get("dirty", False))

    @property
    def stroke_count(self) -> int:
        """The editor's revision (number of changes) when the mask was autosaved."""
        return int(self.meta.get("stroke_count", 0))

    @property
    def saved_at(self) -> float:
        """Unix time of the autosave."""
        return float(self.meta.get("saved_at", 0.0))

    @property
    def mask_path(self) -> Path:
        """The PNG the JSON names."""
        return self.folder / str(self.meta["mask_file"])


def _image_stat(image_path: Path) -> dict[str, int] | None:
    try:
        st = image_path.stat()
    except OSError:
        return None
    return {"bytes": st.st_size, "mtime_ns": st.st_mtime_ns}


def read_session(folder: Path) -> Session:
    """Load a session folder's JSON, or raise RecoveryError."""
    try:
        meta = json.loads((folder / META_NAME).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise RecoveryError(f"{folder}: no readable {META_NAME} ({exc})") from exc
    if not isinstance(meta, dict) or meta.get("version") != SCHEMA_VERSION or "mask_file" not in meta:
        raise RecoveryError(f"{folder}: {META_NAME} is not a version-{SCHEMA_VERSION} session record")
    return Session(folder, meta)


def find_recoverable() -> list[Session]:
    """Sessions whose autosaved mask holds unsaved edits (after a crash), newest first."""
    root = sessions_dir()
    found: list[Session] = []
    if not root.is_dir():
        return found
    for folder in root.iterdir():
        if not folder.is_dir():
            continue
        try:
            session = read_session(folder)
        except RecoveryError:
            continue
        if session.dirty and session.mask_path.is_file():
            found.append(session)
    return sorted(found, key=lambda s: s.saved_at, reverse=True)


def recover(session: Session) -> np.ndarray:
    """The autosaved mask, pixel-identical to what was saved (its SHA-256 is checked)."""
    try:
        mask = load_mask(session.mask_path)
    except ImageLoadError as exc:
        raise RecoveryError(f"cannot read the autosaved mask: {exc}") from exc
    width, height = session.meta["image_size"]
    if mask.shape != (height, width):
        raise RecoveryError(f"the autosaved mask is {mask.shape[1]}x{mask.shape[0]}, the image {width}x{height}")
    if mask_digest(mask) != session.meta.get("mask_sha256"):
        raise RecoveryError(f"{session.mask_path}: pixels do not match the session record")
    return mask


def image_changed(session: Session) -> bool:
    """Whether the image file differs (size or modification time) from when the session was saved."""
    return _image_stat(session.image_path) != session.meta.get("image_stat")


def discard(session: Session) -> None:
    """Delete a session folder (the person chose not to recover it)."""
    shutil.rmtree(session.folder, ignore_errors=True)


class Autosaver:
    """Writes an image's mask to its session folder at most every ``interval`` seconds, from a background thread.

    ``snapshot`` returns (mask copy, revision); MaskEditor.snapshot fits. Call
    ``notify_changed()`` after each change (cheap; any thread), ``flush()`` to write now,
    ``mark_clean()`` once the person saved the mask themselves (it copies the mask and leaves the PNG
    encode to the thread: a 24-MP encode would freeze the UI), ``wait_idle()`` to wait for that write,
    and ``close()`` at the end (it finishes a pending write first, so closing loses nothing).
    ``baseline_revision`` is the revision that needs no autosave (0: a fresh MaskEditor, the
    model's prediction); None makes the first flush write whatever the snapshot holds.
    A failed write (full disk, a file where the session folder should be) never raises: the error
    is kept in ``last_error`` and passed to ``on_error``, and the thread keeps going; the next write
    that succeeds clears ``last_error`` and calls ``on_saved``. Both callbacks may run on the
    autosave thread.
    """

    def __init__(
        self,
        image_path: str | os.PathLike[str],
        image_size: tuple[int, int],
        snapshot: Snapshot,
        *,
        interval: float = 5.0,
        on_saved: Callable[[Session], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
        baseline_revision: int | None = 0,
    ) -> None:
        if interval < 0:
            raise ValueError(f"the autosave interval must be non-negative, got {interval}")
        self.image_path = Path(image_path).expanduser().resolve()
        self.image_size = (int(image_size[0]), int(image_size[1]))
        self.folder = sessions_dir() / session_key(self.image_path, self.image_size)
        self.interval = float(interval)
        self._snapshot = snapshot
        self._on_saved = on_saved
        self._on_error = on_error
        self._cond = threading.Condition()
        self._write_lock = threading.RLock()  # _write_clean holds it around _write
        self._pending = False
        self._closed = False
        self._clean: tuple[np.ndarray, int] | None = None  # a saved state waiting for the thread to record it
        self._busy = False
        self._last_write = 0.0
        self._seq = self._next_seq()
        self._saved_revision: int | None = baseline_revision
        self.last_error: Exception | None = None
        self._thread = threading.Thread(target=self._run, name="u2studio-autosave", daemon=True)
        self._thread.start()

    def _next_seq(self) -> int:
        try:
            return int(read_session(self.folder).meta.get("seq", 0)) + 1
        except RecoveryError:
            return 1

    def notify_changed(self) -> None:
        """The mask changed: schedule a write (coalesced, at most one per interval)."""
        with self._cond:
            self._pending = True
            self._cond.notify()

    @property
    def failing(self) -> bool:
        """Whether the latest write failed (and no later one has succeeded yet)."""
        return self.last_error is not None

    def flush(self) -> Session | None:
        """Write the current mask now if anything changed since the last write; the session written, or None
        (nothing changed, or the write failed: see ``last_error``)."""
        with self._write_lock:
            self._write_clean()
            with self._cond:
                self._pending = False
            return self._attempt(dirty=True, only_if_changed=True)

    def mark_clean(self) -> None:
        """The person saved their mask: record the current state as not needing recovery, on the thread.

        The mask is copied now (what was saved), so later edits are not mistaken for saved ones; a failure is
        reported like any background write. ``flush()`` and ``close()`` write a pending clean state first.
        """
        state = self._snapshot()
        with self._cond:
            self._clean = state
            self._pending = False
            self._cond.notify_all()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until no clean state is queued or being written (True), or ``timeout`` seconds passed."""
        with self._cond:
            return self._cond.wait_for(lambda: self._clean is None and not self._busy, timeout)

    def close(self, *, discard_session: bool = False) -> None:
        """Stop the thread after a final flush; optionally delete the session folder."""
        with self._cond:
            self._closed = True
            self._cond.notify()
        self._thread.join()
        if discard_session:
            shutil.rmtree(self.folder, ignore_errors=True)
        else:
            self.flush()

    def _run(self) -> None:
        lower_current_thread()  # the autosave's encodes never take a core from the brush
        while True:
            with self._cond:
                while not self._pending and not self._closed and self._clean is None:
                    self._cond.wait()
                if self._clean is not None:
                    self._busy = True
                elif self._closed:
                    return
            if self._busy:
                try:
                    self._write_clean()
                finally:
                    with self._cond:
                        self._busy = False
                        self._cond.notify_all()
                continue
            with self._cond:
                wait = self._last_write + self.interval - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                self._pending = False
            if self._attempt(dirty=True, only_if_changed=True) is None and self.failing:
                with self._cond:  # try again later even without a new edit, so the warning can clear
                    self._pending = True
                    self._cond.wait(max(self.interval, RETRY_S))

    def _write_clean(self) -> None:
        """Record a queued clean state (if any): taken under the write lock, so no newer write can precede it."""
        with self._write_lock:
            with self._cond:
                state, self._clean = self._clean, None
            if state is not None:
                self._attempt(dirty=False, only_if_changed=False, state=state)

    def _attempt(self, *, dirty: bool, only_if_changed: bool, state: tuple[np.ndarray, int] | None = None) -> Session | None:
        """One write; a failure is recorded and reported instead of raised, so autosaving goes on."""
        try:
            return self._write(dirty=dirty, only_if_changed=only_if_changed, state=state)
        except Exception as exc:  # noqa: BLE001 (OSError from the disk, ValueError from a bad snapshot: both reported)
            self.last_error = exc
            if self._on_error is not None:
                self._on_error(exc)
            return None

    def _write(self, *, dirty: bool, only_if_changed: bool, state: tuple[np.ndarray, int] | None) -> Session | None:
        with self._write_lock:
            mask, revision = self._snapshot() if state is None else state
            if mask.shape != (self.image_size[1], self.image_size[0]) or mask.dtype != np.uint8:
                raise ValueError(f"the snapshot is {mask.dtype} {mask.shape}, not a uint8 mask of the image's size")
            if only_if_changed and revision == self._saved_revision:
                return None
            name = f"mask-{self._seq:06d}.png"
            save_png(self.folder / name, mask)
            meta = {
                "version": SCHEMA_VERSION,
                "image_path": str(self.image_path),
                "image_size": list(self.image_size),
                "image_stat": _image_stat(self.image_path),
                "mask_file": name,
                "mask_sha256": mask_digest(mask),
                "saved_at": time.time(),
                "dirty": dirty,
                "stroke_count": revision,
                "seq": self._seq,
            }
            atomic_write_text(self.folder / META_NAME, json.dumps(meta, indent=1))
            for old in self.folder.glob("mask-*.png"):
                if old.name != name:
                    old.unlink(missing_ok=True)
            self._seq += 1
            self._saved_revision = revision
            self._last_write = time.monotonic()
            session = Session(self.folder, meta)
            self.last_error = None
        if self._on_saved is not None:
            self._on_saved(session)
        return session
