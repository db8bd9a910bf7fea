"""The Fine-tune dialog and the before/after review, driven through the real main window.

These tests write a run folder's best.json themselves (the acceptance report's documented shape)
to check what the studio shows and installs for an accepted and for a declined run; the real
training child is exercised in test_training_panel.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from u2studio.core.imageio import save_png
from u2studio.core.paths import models_dir
from u2studio.core.synthetic import scene

from tests.gui.fine_tune_helpers import picker_tooltip
from u2studio.gui.training.dialog import FineTuneChoice


def write_run(run: Path, weights: Path, accepted: bool) -> dict:
    """A finished run folder: best.safetensors, its metadata JSON, best.json and two held-out pictures."""
    run.mkdir(parents=True)
    (run / "best.safetensors").write_bytes(weights.read_bytes())
    heldout = []
    for index in range(2):
        rgb, mask = scene(80, 60, seed=40 + index)
        save_png(run / "heldout" / f"v{index}.jpg", rgb)  # PNG bytes under .jpg: Qt reads by content
        save_png(run / "heldout" / f"v{index}.before.png", mask)
        save_png(run / "heldout" / f"v{index}.after.png", 255 - mask)
        heldout.append({"stem": f"v{index}", "image": f"heldout/v{index}.jpg",
                        "before": f"heldout/v{index}.before.png", "after": f"heldout/v{index}.after.png"})
    # paths in best.json are untrusted: one that leaves the run folder is not shown, even if it exists
    save_png(run.parent.parent / "outside.png", scene(40, 30, seed=1)[1])
    heldout.append({"stem": "escape", "image": "../../outside.png", "before": str(run / "heldout" / "v0.jpg"), "after": "x.png"})
    before = {"maxF": 0.812, "MAE": 0.0913, "relaxF": 0.503, "Sm": 0.771, "IoU": 0.702}
    after = {"maxF": 0.845, "MAE": 0.0711, "relaxF": 0.561, "Sm": 0.79, "IoU": 0.741} if accepted else \
            {"maxF": 0.79, "MAE": 0.12, "relaxF": 0.47, "Sm": 0.75, "IoU": 0.69}
    report = {
        "accepted": accepted,
        "decision": "Accepted: every condition held" if accepted else "Declined: mean IoU fell from 0.702 to 0.690",
        "conditions": {
            "mean_iou": {"before": before["IoU"], "after": after["IoU"], "ok": accepted},
            "maxF": {"before": before["maxF"], "after": after["maxF"], "ok": accepted},
            "relaxF": {"before": before["relaxF"], "after": after["relaxF"], "ok": accepted},
            "worst_iou_drop": {"value": 0.02, "stem": "v1", "ok": True},
        },
        "before": before, "after": after, "n_val": 3, "n_train": 9, "val_stems": ["v0", "v1", "v2"],
        "per_image": [], "heldout": heldout, "arch": "u2netp", "init": "bundled", "data": [str(run.parent)],
        "recipe": {"lr": 1e-4}, "a_key_from_a_newer_trainer": [1, 2],
        "checkpoint": {"arch": "u2netp", "source": "fine-tuned", "checkpoint": "best", "accepted": accepted},
    }
    (run / "best.json").write_text(json.dumps(report))
    return report


def finished(panel, run: Path, dataset: Path, name: str) -> None:  # noqa: ANN001
    """Put the panel where a finished training child leaves it, for ``run``."""
    panel.choice = FineTuneChoice(dataset, name, "u2netp", "bundled")
    panel.run_dir = run
    panel._on_finished(True, "training finished")


def test_the_dialog_prefills_the_open_dataset_and_the_recipe_defaults(window, tmp_path: Path) -> None:  # noqa: ANN001
    from u2studio.core.dataset import Dataset
    from u2studio.training.cli import defaults_and_choices

    ds = Dataset.create(tmp_path / "curated", val_ratio=0.25)
    rgb, mask = scene(64, 48, seed=5)
    ds.add(rgb, mask, source="gen.png", annotator="test")
    assert window.dataset.session.open(ds.root)
    assert window.dataset.fine_tune()  # the Dataset menu's "Fine-tune on this dataset"
    dialog = window.training.dialog
    assert dialog is not None and dialog.isVisible()
    assert not window.training.process.running  # nothing starts before the user confirms
    recipe = defaults_and_choices()  # what `u2studio train` itself uses, read here in the test
    defaults = recipe["defaults"]
    assert dialog.dataset.text() == str(ds.root)
    assert dialog.batch_size.value() == (defaults["batch_size"] or 0)  # 0 reads "recipe's"
    assert dialog.device.currentText() == defaults["device"]
    assert [dialog.device.itemText(i) for i in range(dialog.device.count())] == recipe["choices"]["device"]
    assert dialog.val_percent.value() == pytest.approx(defaults["val_percent"] or 0)  # 0 reads "recipe's"
    assert dialog.val_percent.toolTip() == recipe["help"]["val_percent"]  # the trainer's own explanation
    if defaults["epochs"] is None:
        assert dialog.unit.currentText() == "as the recipe decides" and not dialog.length.isEnabled()
        assert dialog.length.isHidden()  # no count is shown that would not apply
    elif defaults.get("max_steps") is None:
        assert dialog.unit.currentText() == "epochs" and dialog.length.value() == defaults["epochs"]
    else:
        assert dialog.unit.currentText() == "steps" and dialog.length.value() == defaults["max_steps"]
    assert dialog.choice().overrides == {}  # untouched, the trainer's own defaults apply
    assert not dialog.offers_others and dialog.choice().unlabeled == ()  # no other image is open
    dialog.unit.setCurrentText("steps")
    assert not dialog.length.isHidden() and dialog.length.isEnabled()
    dialog.length.setValue(7)
    dialog.batch_size.setValue(dialog.batch_size.value() + 1)
    choice = dialog.choice()
    assert choice.overrides["batch_size"] == str(dialog.batch_size.value())
    assert choice.length() == ("steps", 7) and int(choice.overrides.get("epochs", 7)) >= 7
    argv = window.training.request(choice).argv()
    assert argv[argv.index("--max-steps") + 1] == "7" and argv[argv.index("--data") + 1] == str(ds.root)
    dialog.reject()
    # the panel's own button opens the same dialog, with the panel's dataset
    window.training.start_button.click()
    assert window.training.dialog is not dialog and window.training.dialog.dataset.text() == str(ds.root)
    window.training.dialog.reject()


def test_the_panels_own_button_starts_from_the_dataset_opened_in_the_dataset_dock(window, tmp_path: Path) -> None:  # noqa: ANN001
    """Opening a dataset (the Dataset dock's Open, not the menu's Fine-tune) fills the Fine-tune panel, and its
    Fine-tune… button offers the session's open images, as the Dataset menu's entry does."""
    from u2studio.core.dataset import Dataset

    ds = Dataset.create(tmp_path / "opened", val_ratio=0.25)
    rgb, mask = scene(64, 48, seed=6)
    ds.add(rgb, mask, source="gen.png", annotator="test")
    photo = save_png(tmp_path / "photos" / "p.png", scene(80, 60, seed=7)[0])
    window.open_paths([str(photo)])
    assert window.training.dataset.text() == ""
    assert window.dataset.session.open(ds.root)
    assert window.training.dataset.text() == str(ds.root)
    window.training.start_button.click()
    dialog = window.training.dialog
    assert dialog is not None and dialog.isVisible() and dialog.dataset.text() == str(ds.root)
    assert dialog.offers_others and dialog.choice().unlabeled == (photo,)
    dialog.reject()


def test_a_change_too_small_to_print_reads_same_not_better(window, tmp_path: Path, bundled_weights: Path) -> None:  # noqa: ANN001
    """Found trying it: MAE 0.106 -> 0.106 read "-0.000 better"; the table judges the digits it shows."""
    run = tmp_path / "runs" / "tiny"
    report = write_run(run, bundled_weights, accepted=True)
    report["before"]["MAE"], report["after"]["MAE"] = 0.10612, 0.10583  # 0.0003 lower: prints as 0.000
    report["before"]["Sm"], report["after"]["Sm"] = 0.7712, 0.7698  # 0.0014 lower: prints, and is worse
    (run / "best.json").write_text(json.dumps(report))
    finished(window.training, run, tmp_path / "photos", "tiny")
    view = window.training.results
    rows = {view.table.verticalHeaderItem(r).text(): r for r in range(view.table.rowCount())}
    assert [view.table.item(rows["MAE"], c).text() for c in (2, 4)] == ["+0.000", "same"]
    assert [view.table.item(rows["Sm"], c).text() for c in (2, 4)] == ["-0.001", "worse"]
    assert view.table.item(rows["maxF"], 4).text() == "better"


def test_the_dialog_refuses_a_missing_dataset(window) -> None:  # noqa: ANN001
    dialog = window.training.open_dialog("")
    dialog.buttons.accepted.emit()
    assert dialog.isVisible() and dialog.problem.text() == "choose a dataset folder first"
    assert not window.training.process.running
    dialog.reject()


def test_an_accepted_run_shows_before_after_and_installs_with_its_description(window, qtbot, tmp_path: Path, bundled_weights: Path) -> None:  # noqa: ANN001
    panel = window.training
    report = write_run(tmp_path / "runs" / "good", bundled_weights, accepted=True)
    finished(panel, tmp_path / "runs" / "good", tmp_path / "my-photos", "good-model")
    view = panel.results
    assert view.isVisible() and view.install_button.isEnabled()
    assert view.verdict.text() == "<b>Accepted by the guard.</b> every condition held"
    rows = {view.table.verticalHeaderItem(r).text(): r for r in range(view.table.rowCount())}
    assert set(rows) == {"IoU", "maxF", "relaxF", "Sm", "MAE"}
    for name, r in rows.items():
        cells = [view.table.item(r, c).text() for c in range(5)]
        delta = report["after"][name] - report["before"][name]
        assert cells[:4] == [f"{report['before'][name]:.3f}", f"{report['after'][name]:.3f}", f"{delta:+.3f}", "3"]
    assert view.table.item(rows["MAE"], 4).text() == "better"  # MAE fell: lower is better
    assert "9 pairs" in view.counts.text() and "3 held-out" in view.counts.text()
    assert "largest drop 0.020 (v1)" in view.conditions.text()
    assert view.thumbnail_count() == 6  # two held-out rows × (image, before, after); the escaping row shows dashes
    with qtbot.waitSignal(panel.model_installed, timeout=10_000) as installed:
        view.install_button.click()
    name, path = installed.args
    assert name == "good-model" and Path(path) == models_dir() / "good-model.safetensors"
    assert Path(path).read_bytes() == (tmp_path / "runs" / "good" / "best.safetensors").read_bytes()
    sidecar = json.loads(Path(path).with_suffix(".json").read_text())
    assert sidecar["arch"] == "u2netp" and sidecar["checkpoint"] == "best"  # the checkpoint's metadata, not the report
    record = sidecar["finetune"]
    assert record["dataset"] == str(tmp_path / "my-photos") and (record["n_train"], record["n_val"]) == (9, 3)
    assert record["accepted"] is True and record["after"]["maxF"] == 0.845
    assert not view.install_button.isEnabled()  # installed once
    # the worker's catalog brings it to the picker, with what it was trained on and how it scored
    qtbot.waitUntil(lambda: "Fine-tuned on" in picker_tooltip(window, "good-model"), timeout=60_000)
    tip = picker_tooltip(window, "good-model")
    assert str(tmp_path / "my-photos") in tip and "9 training pairs, 3 held out" in tip and "maxF 0.812 → 0.845" in tip
    assert window.controller.model == "good-model"  # the user accepted it: it is the model in use
    assert window.picker.models.currentData() == "good-model"


def test_a_declined_run_installs_nothing(window, qtbot, tmp_path: Path, bundled_weights: Path) -> None:  # noqa: ANN001
    panel = window.training
    model_before = window.controller.model
    write_run(tmp_path / "runs" / "bad", bundled_weights, accepted=False)
    installed: list[tuple] = []
    panel.model_installed.connect(lambda *a: installed.append(a))
    finished(panel, tmp_path / "runs" / "bad", tmp_path / "my-photos", "bad-model")
    view = panel.results
    assert view.isVisible() and not view.install_button.isEnabled()
    assert "Declined by the guard" in view.verdict.text() and "mean IoU fell" in view.verdict.text()
    assert "✗ mean IoU improves: 0.702 → 0.690" in view.conditions.text()
    assert view.table.item(0, 4).text() == "worse"
    assert panel.install() is None  # even asked directly, a declined run installs nothing
    view.discard_button.click()
    assert not view.isVisible()
    qtbot.wait(200)
    assert installed == [] and not list(models_dir().glob("bad-model*"))
    assert window.controller.model == model_before


def test_a_run_without_a_report_installs_nothing(window, tmp_path: Path, bundled_weights: Path) -> None:  # noqa: ANN001
    run = tmp_path / "runs" / "old"
    run.mkdir(parents=True)
    (run / "best.safetensors").write_bytes(bundled_weights.read_bytes())
    messages: list[tuple[str, bool]] = []
    window.training.message.connect(lambda text, bad: messages.append((text, bad)))
    finished(window.training, run, tmp_path, "old-model")
    assert not window.training.results.isVisible()
    assert messages[-1] == ("the run has no before/after report, so its model was not installed", True)
    assert not list(models_dir().glob("old-model*"))
