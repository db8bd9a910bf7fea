"""The command line's error boundary: an expected failure becomes one line and a documented exit status.

Exit statuses: 1 when the work (or writing its results) failed, for example a file
that cannot be written, a full disk or a read-only folder; 2 when the input is
unusable (bad arguments, damaged data, a refused checkpoint). Anything else is a
bug: one line saying so, and ``--debug`` shows the traceback.
"""

from __future__ import annotations

import sys

EXIT_FAILED = 1
EXIT_BAD_INPUT = 2

# Input errors by module and class name; looked up only when their module is already
# imported (an exception of a module never imported cannot have been raised), so the
# boundary itself imports neither torch nor the dataset code.
_INPUT_ERRORS = (
    ("u2studio.core.imageio", "ImageLoadError"),
    ("u2studio.core.dataset.model", "DatasetError"),
    ("u2studio.core.metrics._input", "MetricInputError"),
    ("u2studio.models.checkpoint", "CheckpointError"),
    ("u2studio.training.data", "DataError"),
    ("u2studio.training.state", "ResumeError"),
)


def _input_error_types() -> tuple[type[BaseException], ...]:
    found: list[type[BaseException]] = [ValueError]
    for module_name, class_name in _INPUT_ERRORS:
        module = sys.modules.get(module_name)
        cls = getattr(module, class_name, None) if module is not None else None
        if isinstance(cls, type) and issubclass(cls, BaseException):
            found.append(cls)
    return tuple(found)


def describe(exc: BaseException) -> tuple[int, str]:
    """The exit status and the one-line message for a failure that reached the boundary."""
    if isinstance(exc, OSError):
        where = exc.filename
        reason = exc.strerror or str(exc)
        if where is not None and str(where) not in reason:
            return EXIT_FAILED, f"{where}: {reason}"
        return EXIT_FAILED, reason
    if isinstance(exc, MemoryError):
        return EXIT_FAILED, "out of memory (the input is too large for this machine)"
    if isinstance(exc, _input_error_types()):
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        return EXIT_BAD_INPUT, str(message)
    return EXIT_FAILED, f"unexpected {type(exc).__name__}: {exc} (run again with --debug for the traceback)"
