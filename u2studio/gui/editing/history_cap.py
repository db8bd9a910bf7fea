"""A byte cap over every image's undo history (QUndoStack per image) together.

QUndoStack can only limit a count, and only while empty, so the cap rebuilds a stack without its oldest
steps: the remaining steps are cloned as already applied and pushed again, the clean (saved) state kept
where it still exists. A step that replaced corrections with a new prediction is protected: it and everything
newer stays, so the way back to the user's corrections is never dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtGui import QUndoStack


def history_bytes(stack: QUndoStack) -> int:
    """Bytes held by the steps of ``stack`` (their own arrays)."""
    return sum(getattr(stack.command(i), "nbytes", 0) for i in range(stack.count()))


def trim_stack(stack: QUndoStack, target_bytes: int) -> int:
    """Drop the oldest steps until the history fits ``target_bytes``; returns the bytes freed.

    Only a stack at its newest step is trimmed (no redo tail), and never past a protected step.
    """
    count, index = stack.count(), stack.index()
    if count == 0 or index != count:
        return 0
    commands = [stack.command(i) for i in range(count)]
    sizes = [getattr(c, "nbytes", 0) for c in commands]
    total, drop = sum(sizes), 0
    while drop < count - 1 and total > target_bytes and not getattr(commands[drop], "protected", True):
        total -= sizes[drop]
        drop += 1
    if drop == 0:
        return 0
    clean = stack.cleanIndex()
    keep = [c.clone() for c in commands[drop:]]
    stack.clear()
    if clean == drop:
        stack.setClean()
    for position, command in enumerate(keep, start=drop + 1):
        stack.push(command)
        if position == clean:
            stack.setClean()
    if clean < drop:
        stack.resetClean()  # the saved state is no longer reachable by undo
    return sum(sizes[:drop])


class HistoryCap:
    """Keeps the summed undo histories under ``cap_bytes``, trimming the largest histories first."""

    def __init__(self, cap_bytes: int) -> None:
        self.cap_bytes = cap_bytes
        self.trimmed_bytes = 0

    def enforce(self, stacks: Iterable[QUndoStack], after_trim: Callable[[QUndoStack], None] | None = None) -> int:
        """Trim until the histories fit; returns the bytes freed."""
        sized = sorted(((history_bytes(s), s) for s in stacks), key=lambda pair: pair[0], reverse=True)
        total = sum(size for size, _ in sized)
        freed = 0
        for size, stack in sized:
            if total - freed <= self.cap_bytes:
                break
            gone = trim_stack(stack, max(0, size - (total - freed - self.cap_bytes)))
            if gone and after_trim is not None:
                after_trim(stack)
            freed += gone
        self.trimmed_bytes += freed
        return freed
