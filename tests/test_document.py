"""ImageDocument: thresholds, region notifications, status changes, shape checks (no Qt)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from u2studio.core.document import DocStatus, ImageDocument, clip_region, mask_from_prediction


def _doc() -> ImageDocument:
    doc = ImageDocument(Path("a.png"), rgb=np.zeros((4, 6, 3), np.uint8))
    prob = np.linspace(0, 1, 24, dtype=np.float32).reshape(4, 6)
    doc.set_prediction(prob, (prob,), ("d1",), threshold=0.5)
    return doc


def test_prediction_sets_a_hard_mask_and_soft_rethreshold_keeps_probabilities() -> None:
    doc = _doc()
    assert doc.status is DocStatus.PREDICTED
    assert set(np.unique(doc.mask)) == {0, 255}
    assert int(doc.mask.sum() // 255) == int((doc.prediction >= 0.5).sum())
    doc.set_threshold(None)
    assert doc.mask.dtype == np.uint8 and len(np.unique(doc.mask)) > 2
    assert doc.status is DocStatus.PREDICTED  # re-thresholding is not an edit


def test_mask_changed_reports_the_clipped_region() -> None:
    doc = _doc()
    seen = []
    doc.add_mask_listener(lambda d, region: seen.append(region))
    version = doc.mask_version
    doc.mask_changed((2, 1, 40, 3))
    assert seen == [(2, 1, 6, 3)]
    assert doc.mask_version == version + 1


def _corrected() -> ImageDocument:
    """A document whose user painted the left column foreground and the right column background."""
    doc = _doc()
    doc.ensure_layers()
    doc.mask[:, 0] = 255
    doc.mask[:, 5] = 0
    doc.edits[:, 0] = doc.edits[:, 5] = True
    return doc


def test_a_new_threshold_moves_only_uncorrected_pixels() -> None:
    doc = _corrected()
    assert doc.status is DocStatus.EDITED
    doc.set_threshold(0.95)
    assert (doc.mask[:, 0] == 255).all() and (doc.mask[:, 5] == 0).all()  # the corrections stay
    expected = np.where(doc.prediction >= 0.95, 255, 0)
    assert (doc.mask[:, 1:5] == expected[:, 1:5]).all()  # the rest follows the threshold
    doc.set_threshold(None)
    assert (doc.mask[:, 1:5] == np.clip(doc.prediction[:, 1:5] * 255 + 0.5, 0, 255).astype(np.uint8)).all()
    assert (doc.mask[:, 0] == 255).all()


def test_a_new_prediction_keeps_the_corrections() -> None:
    doc = _corrected()
    array = doc.mask
    doc.set_prediction(np.ones((4, 6), np.float32), (), ())
    assert doc.mask is array  # updated in place: the editor keeps its array
    assert (doc.mask[:, :5] == 255).all() and (doc.mask[:, 5] == 0).all()


def test_state_is_derived_from_the_layers_and_the_last_write() -> None:
    doc = ImageDocument(Path("c.png"), rgb=np.zeros((4, 6, 3), np.uint8))
    assert doc.status is DocStatus.NOT_RUN
    doc.running = True
    assert doc.status is DocStatus.RUNNING
    doc.running = False
    doc.set_prediction(np.zeros((4, 6), np.float32), (), ())
    assert doc.status is DocStatus.PREDICTED
    doc.edits[0, 0] = True
    assert doc.status is DocStatus.EDITED
    doc.clean_label = DocStatus.EXPORTED
    assert doc.status is DocStatus.EXPORTED
    doc.clean_label = None
    doc.edits[0, 0] = False  # every correction undone
    assert doc.status is DocStatus.PREDICTED


def test_a_prediction_of_the_wrong_size_is_refused_with_both_sizes() -> None:
    doc = ImageDocument(Path("b.png"), rgb=np.zeros((4, 6, 3), np.uint8))
    with pytest.raises(ValueError, match="5x5.*6x4"):
        doc.set_prediction(np.zeros((5, 5), np.float32), (), (), 0.5)


def test_threshold_outside_unit_interval_is_an_error() -> None:
    with pytest.raises(ValueError, match="threshold"):
        mask_from_prediction(np.zeros((2, 2), np.float32), 1.5)


def test_clip_region_keeps_regions_inside_bounds() -> None:
    assert clip_region((-5, -5, 3, 100), (0, 0, 10, 10)) == (0, 0, 3, 10)


def test_edit_effort_counts_strokes_and_caps_idle_gaps() -> None:
    from pathlib import Path

    from u2studio.core.document import IDLE_CAP_S, ImageDocument, count_edit

    doc = ImageDocument(Path("x.png"))
    last = count_edit(doc, 100.0, None)  # the first edit starts the clock
    last = count_edit(doc, 104.5, last)
    last = count_edit(doc, 104.5 + 3600, last)  # an hour away counts as the idle cap
    assert doc.strokes == 3
    assert doc.edit_seconds == 4.5 + IDLE_CAP_S
