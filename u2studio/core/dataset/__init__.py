"""Fine-tuning datasets: corrected masks as ``im/`` + ``gt/`` pairs with a manifest (see docs/dataset.md)."""

from u2studio.core.dataset.importer import LAYOUTS, ImportReport, import_folder
from u2studio.core.dataset.model import (
    FORMAT_VERSION,
    SPLITS,
    STATES,
    TRAINING_STATES,
    Correction,
    DatasetError,
    DatasetLockedError,
    DatasetStats,
    ManifestError,
    Problem,
    Record,
    WorstImage,
    split_for,
)
from u2studio.core.dataset.stats import correction_stats
from u2studio.core.dataset.store import Dataset, Match

__all__ = [
    "FORMAT_VERSION",
    "LAYOUTS",
    "SPLITS",
    "STATES",
    "TRAINING_STATES",
    "Correction",
    "Dataset",
    "DatasetError",
    "DatasetLockedError",
    "DatasetStats",
    "ImportReport",
    "ManifestError",
    "Match",
    "Problem",
    "Record",
    "WorstImage",
    "correction_stats",
    "import_folder",
    "split_for",
]
