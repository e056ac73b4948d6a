"""The data-set and method registries, label noise and the study settings."""

from pathlib import Path

import numpy as np
import pytest

from sklearn_asss import ASSSSampler, KMeansSampler, RandomSampler
from sklearn_asss.benchmark import DATASETS, METHODS, Study, config_parts, flip_labels, \
    load_dataset, load_study, register_dataset
from sklearn_asss.benchmark._config import parse_params
from sklearn_asss.benchmark._methods import resolve_methods, study_methods

CONFIGS = sorted((Path(__file__).resolve().parents[2] / "benchmarks" / "configs").glob("*.toml"))


def test_register_dataset_from_arrays_gives_copies(monkeypatch):
    monkeypatch.setitem(DATASETS, "mine", None)  # restored after the test
    X = np.arange(12.0).reshape(6, 2)
    register_dataset("mine", X, ["a", "b"] * 3, noise_kind="pair")
    X_loaded, y_loaded = load_dataset("mine")
    X_loaded[0, 0] = 99
    assert load_dataset("mine")[0][0, 0] == 0
    assert list(y_loaded) == ["a", "b"] * 3
    assert DATASETS["mine"].noise_kind == "pair"


def test_register_dataset_rejects_bad_input():
    with pytest.raises(ValueError, match="either X and y, or load"):
        register_dataset("bad")
    with pytest.raises(ValueError, match="rows"):
        register_dataset("bad", np.zeros((3, 2)), [0, 1])
    with pytest.raises(ValueError, match="noise_kind"):
        register_dataset("bad", np.zeros((2, 2)), [0, 1], noise_kind="bursty")
    with pytest.raises(ValueError, match="Unknown data set"):
        load_dataset("no-such-table")


@pytest.mark.parametrize("kind", ["symmetric", "pair"])
def test_flip_labels_flips_the_share_asked_to_another_class(kind):
    y = np.repeat(np.arange(4), 250)
    noisy, flipped = flip_labels(y, 4, 0.2, kind, np.random.RandomState(0))
    assert flipped.sum() == 200
    assert np.all(noisy[flipped] != y[flipped]) and np.all(noisy[~flipped] == y[~flipped])
    if kind == "pair":
        assert np.all(noisy[flipped] == (y[flipped] + 1) % 4)
    else:  # every other class receives flips
        assert len(np.unique(noisy[flipped & (y == 0)])) == 3
    with pytest.raises(ValueError, match="noise kind"):
        flip_labels(y, 4, 0.2, "bursty", np.random.RandomState(0))


def test_methods_are_factories_with_overrides():
    study = Study()
    sampler = METHODS["kmeans"].make(0.2, 3, study, {"max_iter": 7})
    assert isinstance(sampler, KMeansSampler)
    assert sampler.get_params()["max_iter"] == 7
    assert sampler.keep_ratio == 0.2 and sampler.random_state == 3
    floor = ASSSSampler().min_samples_per_class
    random_floor = METHODS["random_floor"].make(0.1, 0, study)
    assert isinstance(random_floor, RandomSampler)
    assert random_floor.min_samples_per_class == floor
    assert METHODS["random_floor"].make(0.1, 0, study, {"min_samples_per_class": 5}) \
        .min_samples_per_class == 5
    assert METHODS["asss_paper"].make(0.1, 0, study).objective == "paper"
    with pytest.raises(ValueError, match="no parameter"):
        METHODS["kmeans"].make(0.2, 0, study, {"not_a_parameter": 1})


def test_variants_fix_parameters_of_a_registered_method():
    methods = study_methods({"asss_top": {"method": "asss", "selection": "top"}})
    sampler = methods["asss_top"].make(0.3, 0, Study())
    assert isinstance(sampler, ASSSSampler) and sampler.selection == "top"
    with pytest.raises(ValueError, match="unknown method"):
        study_methods({"x": {"method": "nothing"}})
    with pytest.raises(ValueError, match="'method' key"):
        study_methods({"x": {"selection": "top"}})


def test_noisy_only_methods_leave_clean_settings_and_unknown_names_raise():
    clean, _ = resolve_methods(["random", "cleanlab"], noisy=False)
    assert [m.name for m in clean] == ["random"]
    with pytest.raises(ValueError, match="Unknown method"):
        resolve_methods(["random", "magic"], noisy=False)


def test_study_validation_names_the_bad_field():
    for bad, match in [
        (dict(cv=1), "cv"), (dict(keep_ratios=[0.0]), "keep_ratios"),
        (dict(label_noise=[1.0]), "label_noise"), (dict(noise_kinds=["x"]), "noise kind"),
        (dict(downstream="svm"), "downstream"), (dict(datasets=["x"]), "data set"),
        (dict(methods=["x"]), "method"), (dict(attack={"eps": 1}), "attack"),
        (dict(reference="x"), "reference"),
    ]:  # fmt: skip
        with pytest.raises(ValueError, match=match):
            Study(**bad).validate()


def test_parse_params():
    assert parse_params(["asss.max_epochs=5", "asss.selection=top", "kmeans.x=[1, 2]"]) == {
        "asss": {"max_epochs": 5, "selection": "top"}, "kmeans": {"x": [1, 2]}
    }
    with pytest.raises(ValueError, match="METHOD.NAME=VALUE"):
        parse_params(["max_epochs=5"])


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.stem)
def test_every_config_is_a_valid_study_writing_under_doc_benchmarks(path):
    parts = config_parts(path)
    for part in parts or [None]:
        study = load_study(path, part=part)
        assert study.out == "/".join(filter(None, ["doc/benchmarks", path.stem, part]))
        assert study.description.strip()


def test_a_part_updates_the_top_level_settings_and_writes_below_its_out(tmp_path):
    path = tmp_path / "grid.toml"
    path.write_text(
        'title = "Grid"\ndatasets = ["digits"]\ncv = 5\ndraws = 4\nout = "runs/grid"\n'
        '[variants]\nasss_top = { method = "asss", selection = "top" }\n'
        '[parts.small]\ncv = 2\n'
        '[parts.forest]\ndownstream = "forest"\ndatasets = ["ring"]\n'
    )
    assert config_parts(path) == ["small", "forest"]
    small, forest = (load_study(path, part=part) for part in ("small", "forest"))
    assert (small.cv, small.draws, small.datasets, small.downstream) == (2, 4, ["digits"], "mlp")
    assert (forest.cv, forest.datasets, forest.downstream) == (5, ["ring"], "forest")
    assert small.out == "runs/grid/small" and forest.title == "Grid: forest"
    assert forest.variants == small.variants == {"asss_top": {"method": "asss",
                                                             "selection": "top"}}  # fmt: skip
    with pytest.raises(ValueError, match="choose a part among"):
        load_study(path)
    with pytest.raises(ValueError, match="choose a part among"):
        load_study(path, part="large")


@pytest.mark.parametrize("table, match", [
    ("[parts.a]\nout = 'elsewhere'\n", "without 'parts' or 'out'"),
    ("[parts.a]\nfolds = 3\n", "unknown setting"),
    ("[parts.a]\ncv = 1\n", "cv must be at least 2"),
])  # fmt: skip
def test_a_bad_part_raises(tmp_path, table, match):
    path = tmp_path / "grid.toml"
    path.write_text('datasets = ["digits"]\n' + table)
    with pytest.raises(ValueError, match=match):
        load_study(path, part="a")


def test_a_config_without_parts_refuses_a_part(tmp_path):
    path = tmp_path / "plain.toml"
    path.write_text('datasets = ["digits"]\n')
    assert config_parts(path) == []
    with pytest.raises(ValueError, match="has no parts"):
        load_study(path, part="a")


def test_unknown_config_key_raises(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('datasets = ["digits"]\nfolds = 3\n')
    with pytest.raises(ValueError, match="unknown setting"):
        load_study(path)


def test_none_is_written_as_a_string_in_study_files(tmp_path):
    path = tmp_path / "fast.toml"
    path.write_text(
        'datasets = ["digits"]\nmethods = ["asss_fast"]\n'
        '[variants]\nasss_fast = { method = "asss", max_epochs = "None", batch_size = 512 }\n'
        '[params]\nasss = { max_game_samples = "None" }\n'
    )
    study = load_study(path)
    assert study.variants["asss_fast"] == {"method": "asss", "max_epochs": None, "batch_size": 512}
    assert study.params["asss"] == {"max_game_samples": None}
    sampler = study_methods(study.variants)["asss_fast"].make(0.3, 0, study)
    assert sampler.max_epochs is None and sampler.batch_size == 512


def test_the_panel_tables_are_registered(data_dir):
    from sklearn_asss.datasets import PANEL_DATASETS

    assert set(PANEL_DATASETS) <= set(DATASETS)
    X, y = load_dataset("ring", data_dir("panel/ring.csv.gz"))
    assert X.shape == (7400, 20) and X.dtype == np.float64
    assert sorted(np.unique(y, return_counts=True)[1]) == [3664, 3736]
