"""onnxruntime's own optimisation of an export, done once per machine and kept in the export cache.

Building a session at ``ORT_ENABLE_ALL`` re-runs every graph rewrite (constant folding, fusions, the NCHWc
layout for this CPU's vector width) each time a process starts: 60-230 ms for U²-Net† at 320 here, on the
critical path of every ``u2studio segment`` run and of the studio's first mask. onnxruntime can write the
rewritten graph (``optimized_model_filepath``); loaded back with every optimisation off, it builds in 34-60 ms and
computes bit-identical outputs (max abs difference 0.0 on the same input, measured here).

A rewritten graph holds layout choices for the CPU it was made on, so it is keyed by the source graph's SHA-256,
the onnxruntime version and a fingerprint of the CPU (its instruction-set flags), and verified like an export: a
stamp beside it records the key and the graph's own SHA-256, and anything missing, different or unreadable means
the plain export is optimised again (and the result stored again). A graph onnxruntime refuses to load is removed.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import subprocess
import sys
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from u2studio.core.atomic import atomic_write_bytes, atomic_write_text
from u2studio.core.hashing import sha256_bytes

OPTIMIZED_VERSION = "1"
_write_lock = threading.Lock()


@lru_cache(maxsize=1)
def cpu_fingerprint() -> str:
    """A short hash of what decides the rewritten graph's layout: the machine and its instruction-set flags
    (``/proc/cpuinfo`` on Linux, ``PROCESSOR_IDENTIFIER`` on Windows, ``sysctl`` on Intel Macs)."""
    flags = os.environ.get("PROCESSOR_IDENTIFIER", "") if sys.platform == "win32" else ""
    try:
        if sys.platform.startswith("linux"):
            for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
                if line.startswith(("flags", "Features")):
                    flags = " ".join(sorted(line.split(":", 1)[1].split()))
                    break
        elif sys.platform == "darwin" and platform.machine() == "x86_64":
            flags = subprocess.run(["sysctl", "-n", "machdep.cpu.features", "machdep.cpu.leaf7_features"],
                                   capture_output=True, text=True, timeout=5).stdout
    except (OSError, subprocess.SubprocessError):
        pass
    return sha256_bytes(f"{sys.platform}|{platform.machine()}|{flags}".encode())[:16]


def optimized_key(graph_sha256: str, ort_version: str) -> str:
    """The key a rewritten graph is stored and checked under."""
    return f"{graph_sha256}|ort {ort_version}|cpu {cpu_fingerprint()}|v{OPTIMIZED_VERSION}"


def optimized_paths(folder: Path, graph_sha256: str, ort_version: str) -> tuple[Path, Path]:
    """(graph, stamp) of the rewritten graph for this key, inside the export cache ``folder``."""
    name = sha256_bytes(optimized_key(graph_sha256, ort_version).encode())[:32]
    base = folder / "optimized" / name
    return base.with_suffix(".ort.onnx"), base.with_suffix(".json")


def read_optimized(folder: Path, graph_sha256: str, ort_version: str) -> bytes | None:
    """The stored rewritten graph for this key when its stamp and bytes check out, else None."""
    graph_path, stamp_path = optimized_paths(folder, graph_sha256, ort_version)
    try:
        stamp = json.loads(stamp_path.read_text(encoding="utf-8"))
        if not isinstance(stamp, dict) or stamp.get("key") != optimized_key(graph_sha256, ort_version):
            return None
        data = graph_path.read_bytes()
    except (OSError, ValueError):
        return None
    return data if sha256_bytes(data) == stamp.get("graph_sha256") else None


def store_optimized(folder: Path, graph_sha256: str, ort_version: str, written: Path) -> None:
    """Move the graph onnxruntime wrote at ``written`` into the cache under this key, with its stamp."""
    graph_path, stamp_path = optimized_paths(folder, graph_sha256, ort_version)
    data = written.read_bytes()
    with _write_lock:
        atomic_write_bytes(graph_path, data)
        atomic_write_text(stamp_path, json.dumps({"key": optimized_key(graph_sha256, ort_version),
                                                  "graph_sha256": sha256_bytes(data)}, indent=2))


def forget_optimized(folder: Path, graph_sha256: str, ort_version: str) -> None:
    """Remove a stored rewritten graph that onnxruntime refused (the stamp first, so it is never half-trusted)."""
    for path in reversed(optimized_paths(folder, graph_sha256, ort_version)):
        path.unlink(missing_ok=True)


def build_session(graph: bytes, graph_sha256: str, folder: Path | None, options: Any) -> tuple[Any, bool]:
    """An onnxruntime CPU session for ``graph`` with ``options``, from the stored rewritten graph when there is
    one (returns ``(session, True)``); otherwise optimised now and, with a cache ``folder``, stored for next time.
    Any failure to store only costs the saving; a stored graph that fails to load is removed and rebuilt."""
    import onnxruntime as ort

    providers = ["CPUExecutionProvider"]
    if folder is None:
        return ort.InferenceSession(graph, options, providers=providers), False
    version = ort.__version__
    stored = read_optimized(folder, graph_sha256, version)
    if stored is not None:
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        try:
            return ort.InferenceSession(stored, options, providers=providers), True
        except Exception:  # noqa: BLE001 - onnxruntime raises its own types; fall back to the plain export
            forget_optimized(folder, graph_sha256, version)
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    scratch = optimized_paths(folder, graph_sha256, version)[0].with_name(f".writing-{threading.get_ident()}.onnx")
    try:
        scratch.parent.mkdir(parents=True, exist_ok=True)
        options.optimized_model_filepath = str(scratch)
        session = ort.InferenceSession(graph, options, providers=providers)
        store_optimized(folder, graph_sha256, version, scratch)
    except Exception:  # noqa: BLE001 - a full disk or onnxruntime failing to write: build without storing
        options.optimized_model_filepath = ""
        return ort.InferenceSession(graph, options, providers=providers), False
    finally:
        with contextlib.suppress(OSError):
            scratch.unlink(missing_ok=True)
    return session, False
