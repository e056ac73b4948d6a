"""The command line: options built from Study, configs, overrides, listing."""

import pytest

from sklearn_asss.benchmark import Study, main, read_rows
from sklearn_asss.benchmark._cli import build_parser, study_from_args


def parse(*argv):
    return study_from_args(build_parser().parse_args(list(argv)))


def test_defaults_are_the_study_defaults():
    assert parse() == Study()


def test_options_override_the_config_and_params_merge(tmp_path):
    config = tmp_path / "s.toml"
    config.write_text(
        'datasets = ["shuttle"]\ncv = 3\nkeep_ratios = [0.1]\n'
        '[params.asss]\nmax_epochs = 4\nselection = "top"\n'
    )
    study = parse("--config", str(config), "--cv", "2", "--keep-ratios", "0.01", "0.03",
                  "--label-noise", "0.2", "--noise-kind", "pair", "--downstream", "forest",
                  "--param", "asss.max_epochs=2", "--param", "kmeans.max_iter=5")  # fmt: skip
    assert study.datasets == ["shuttle"] and study.cv == 2
    assert study.keep_ratios == [0.01, 0.03] and study.label_noise == [0.2]
    assert study.noise_kinds == ["pair"] and study.downstream == "forest"
    assert study.params == {"asss": {"max_epochs": 2, "selection": "top"},
                            "kmeans": {"max_iter": 5}}  # fmt: skip


def test_reuse_fits_is_a_switch_of_the_command_line_and_a_boolean_of_the_config(tmp_path):
    config = tmp_path / "s.toml"
    config.write_text("reuse_fits = true\n")
    assert parse("--reuse-fits").reuse_fits is True
    assert parse("--config", str(config), "--no-reuse-fits").reuse_fits is False
    assert parse("--config", str(config)).reuse_fits is True
    config.write_text('reuse_fits = "yes"\n')
    with pytest.raises(ValueError, match="reuse_fits must be true or false"):
        parse("--config", str(config))


def test_bad_options_exit_with_a_message(capsys):
    with pytest.raises(SystemExit):
        main(["--datasets", "nowhere"])
    assert "Unknown data set" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--param", "max_epochs=2"])
    assert "METHOD.NAME=VALUE" in capsys.readouterr().err


def test_list_names_every_dataset_and_method(capsys):
    assert main(["--list"]) == 0
    out = capsys.readouterr().out
    for name in ("digits", "kddcup", "ring", "random_floor", "asss_paper", "adv_margin"):
        assert name in out


def test_a_tiny_run_writes_the_page_naming_its_command(tmp_path):
    out = tmp_path / "run"
    argv = ["--methods", "random", "--cv", "2", "--epochs", "1", "--max-samples", "200",
            "--out", str(out), "--quiet"]  # fmt: skip
    assert main(argv) == 0
    text = (out / "results.md").read_text()
    assert "python -m sklearn_asss.benchmark --methods random --cv 2" in text
    assert "## digits, clean labels" in text


def test_a_resumed_run_names_the_whole_command_and_the_rows_it_added(tmp_path):
    out = tmp_path / "run"
    argv = ["--methods", "random", "--cv", "2", "--epochs", "1", "--max-samples", "200",
            "--out", str(out), "--quiet"]  # fmt: skip
    assert main(argv) == 0
    assert "a resumed run" not in (out / "results.md").read_text()
    # a second method, resumed: only its rows are new
    assert main([*argv[:2], "kmeans", *argv[2:], "--resume"]) == 0
    text = (out / "results.md").read_text()
    assert "--resume" not in text
    assert "python -m sklearn_asss.benchmark --methods random kmeans --cv 2" in text
    n_rows = len(read_rows(out / "rows.csv"))
    assert f"its last 2 of {n_rows} rows" in text


def test_a_grid_runs_every_part_or_those_named_each_page_naming_its_part(tmp_path):
    config = tmp_path / "grid.toml"
    out = tmp_path / "grid"
    config.write_text(
        f'methods = ["random"]\ncv = 2\nepochs = 1\nmax_samples = 200\nout = "{out}"\n'
        '[parts.digits_mlp]\ndownstream = "mlp"\n[parts.digits_forest]\ndownstream = "forest"\n'
    )
    assert main(["--config", str(config), "--part", "digits_forest", "--quiet"]) == 0
    assert [p.name for p in out.iterdir()] == ["digits_forest"]
    assert set(read_rows(out / "digits_forest" / "rows.csv")["downstream"]) == {"forest"}
    assert main(["--config", str(config), "--quiet", "--resume"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["digits_forest", "digits_mlp"]
    text = (out / "digits_mlp" / "results.md").read_text()
    assert f"--config {config} --quiet --part digits_mlp" in text
    assert set(read_rows(out / "digits_mlp" / "rows.csv")["downstream"]) == {"mlp"}


def test_a_part_without_a_grid_config_exits_with_a_message(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["--part", "a"])
    assert "--part needs a --config" in capsys.readouterr().err
    config = tmp_path / "grid.toml"
    config.write_text('[parts.a]\ncv = 2\n')
    with pytest.raises(SystemExit):
        main(["--config", str(config), "--part", "b"])
    assert "choose a part among ['a']" in capsys.readouterr().err
