"""benchmarks/grid_verdict.py: issue 14's bars on rows whose figures are known."""

import pandas as pd
from _scripts import load_script
from test_report import make_rows


def noisy_cell(prr_by_method, flipped, seconds):
    rows = make_rows(prr_by_method, keep_ratio=0.1)
    rows["noise_kind"], rows["noise_rate"] = "symmetric", 0.2
    rows["flipped_in_subset"] = rows["method"].map(flipped)
    rows["selection_s"] = rows["method"].map(seconds)
    return rows


FLOOR = [0.80, 0.80, 0.81, 0.81]


def test_a_candidate_behind_cleanlab_misses_the_best_and_cleanlab_bars():
    rows = noisy_cell({"asss": [0.90, 0.91, 0.92, 0.93], "random_floor": FLOOR,
                       "cleanlab": [0.95, 0.96, 0.97, 0.98]},
                      flipped={"asss": 0.10, "random_floor": 0.2, "cleanlab": 0.05},
                      seconds={"asss": 2.0, "random_floor": 0.0, "cleanlab": 1.0})  # fmt: skip
    (row,) = load_script("grid_verdict").cell_verdicts(rows, "asss").to_dict("records")
    assert row["best"] == "cleanlab" and row["vs best F1"] == "-5.0 (0.0)"
    assert row["vs floor F1"] == "+11.0 (0.4)" and row["flipped %"] == "10.0/5.0"
    assert row["misses"] == ("best F1 (cleanlab), best acc (cleanlab), cleanlab F1, "
                             "cleanlab flipped, cleanlab time")  # fmt: skip


def test_misses_are_counted_by_bar_without_the_method_that_sets_it():
    prr = {"asss": [0.90, 0.91, 0.92, 0.93], "random_floor": FLOOR,
           "cleanlab": [0.95, 0.96, 0.97, 0.98]}  # fmt: skip
    flipped = {"asss": 0.04, "random_floor": 0.2, "cleanlab": 0.05}
    seconds = {"asss": 2.0, "random_floor": 0.0, "cleanlab": 1.0}
    rows = pd.concat([noisy_cell(prr, flipped, seconds).assign(keep_ratio=k) for k in (0.1, 0.3)])
    script = load_script("grid_verdict")
    counts = script.misses_by_bar(script.cell_verdicts(rows, "asss")).to_dict()
    assert counts == {"best F1": 2, "best acc": 2, "cleanlab F1": 2, "cleanlab time": 2}


def test_a_candidate_ahead_of_every_method_misses_nothing_but_a_tied_floor_is_a_miss():
    prr = {"asss": [0.90, 0.91, 0.92, 0.93], "random_floor": FLOOR,
           "cleanlab": [0.89, 0.90, 0.91, 0.91]}  # fmt: skip
    flipped = {"asss": 0.04, "random_floor": 0.2, "cleanlab": 0.05}
    seconds = {"asss": 0.5, "random_floor": 0.0, "cleanlab": 1.0}
    verdict = load_script("grid_verdict").cell_verdicts
    assert verdict(noisy_cell(prr, flipped, seconds), "asss")["misses"].tolist() == ["none"]
    prr["asss"] = [0.79, 0.82, 0.80, 0.82]  # level with the floor: not two SE ahead
    assert "floor" in verdict(noisy_cell(prr, flipped, seconds), "asss")["misses"][0]


def test_the_floor_bar_holds_only_in_clean_cells_keeping_three_percent_or_less():
    prr = {"asss": [0.80, 0.81, 0.80, 0.81], "random_floor": FLOOR}
    verdict = load_script("grid_verdict").cell_verdicts
    rows = pd.concat([make_rows(prr, keep_ratio=0.03), make_rows(prr, keep_ratio=0.3)])
    table = verdict(rows, "asss").set_index("keep_ratio")
    assert table.at[0.03, "misses"] == "floor" and table.at[0.3, "misses"] == "none"


def test_times_taken_in_turns_replace_the_rows_times_of_the_cells_they_hold():
    prr = {"asss": [0.90, 0.91, 0.92, 0.93], "random_floor": FLOOR,
           "cleanlab": [0.89, 0.90, 0.91, 0.91]}  # fmt: skip
    flipped = {"asss": 0.04, "random_floor": 0.2, "cleanlab": 0.05}
    seconds = {"asss": 2.0, "random_floor": 0.0, "cleanlab": 1.0}  # rows timed under load
    rows = pd.concat([noisy_cell(prr, flipped, seconds).assign(keep_ratio=k) for k in (0.1, 0.3)])
    times = pd.DataFrame({"dataset": rows["dataset"].iloc[0], "noise_kind": "symmetric",
                          "noise_rate": 0.2, "keep_ratio": 0.1, "method": ["asss", "cleanlab"],
                          "selection_s": [0.6, 1.2]})  # fmt: skip
    table = load_script("grid_verdict").cell_verdicts(rows, "asss", times).set_index("keep_ratio")
    assert table.at[0.1, "selection s"] == "0.6/1.2" and table.at[0.1, "misses"] == "none"
    assert table.at[0.3, "selection s"] == "2.0/1.0" and table.at[0.3, "misses"] == "cleanlab time"


def test_with_variants_the_candidate_joins_on_the_fold_draws_the_rows_hold():
    rows = make_rows({"asss": [0.90, 0.91, 0.92, 0.93], "random_floor": FLOOR})
    # six fold-draws of the candidate (two the rows lack) and another variant's
    variants = make_rows({"asss_ug": [0.85, 0.86, 0.87, 0.88, 0.10, 0.10],
                          "asss_other": [0.99, 0.99, 0.99, 0.99]})  # fmt: skip
    script = load_script("grid_verdict")
    joined = script.with_variant_rows(rows, variants, "asss_ug")
    assert joined["method"].value_counts().to_dict() == {"asss": 4, "random_floor": 4,
                                                         "asss_ug": 4}  # fmt: skip
    (row,) = script.cell_verdicts(joined[joined["method"] != "asss"], "asss_ug").to_dict("records")
    assert row["vs floor F1"] == "+6.0 (0.4)"
    # the rows' own fold-draws of a candidate are not counted twice
    again = script.with_variant_rows(rows, make_rows({"asss": [0.5] * 6}), "asss")
    assert again["method"].value_counts().to_dict() == {"asss": 4, "random_floor": 4}
    assert again.loc[again["method"] == "asss", "prr_f1_macro"].min() == 0.90


def test_times_as_gives_the_candidate_another_methods_times():
    times = pd.DataFrame({"dataset": "toy", "noise_kind": "symmetric", "noise_rate": 0.2,
                          "keep_ratio": 0.1, "method": ["asss", "cleanlab", "asss_ug"],
                          "selection_s": [0.6, 1.2, 9.0]})  # fmt: skip
    taken = load_script("grid_verdict").times_as(times, "asss_ug", "asss")
    assert taken.set_index("method")["selection_s"].to_dict() == {
        "asss": 0.6, "cleanlab": 1.2, "asss_ug": 0.6
    }


def test_reach_lists_the_configurations_that_meet_every_bar_against_the_baselines():
    prr = {"asss": [0.90, 0.91, 0.92, 0.93], "asss_better": [0.97, 0.98, 0.99, 1.00],
           "random_floor": FLOOR, "cleanlab": [0.95, 0.96, 0.97, 0.98]}  # fmt: skip
    flipped = {"asss": 0.10, "asss_better": 0.04, "random_floor": 0.2, "cleanlab": 0.05}
    seconds = {"asss": 2.0, "asss_better": 9.0, "random_floor": 0.0, "cleanlab": 1.0}
    table = load_script("grid_verdict").reach(noisy_cell(prr, flipped, seconds), "asss")
    (cell,) = table.to_dict("records")
    # asss_better is slower than cleanlab, but the time is not a bar of --reach; asss is not
    # judged against asss_better, a configuration, and still trails cleanlab
    assert cell["configurations"] == 2 and cell["every bar but the time"] == "1: asss_better"
    assert cell["both best bars"] == "2: asss_better, cleanlab"


def test_reach_leaves_blank_a_cell_where_no_sampler_meets_both_best_bars():
    rows = noisy_cell({"asss": [0.90, 0.91, 0.92, 0.93], "random_floor": FLOOR,
                       "kmeans": [0.95, 0.96, 0.97, 0.98]},
                      flipped={"asss": 0.1, "random_floor": 0.2, "kmeans": 0.2},
                      seconds={"asss": 1.0, "random_floor": 0.0, "kmeans": 1.0})  # fmt: skip
    rows.loc[rows["method"] == "kmeans", "prr_f1_macro"] = 0.5  # accuracy at macro F1's cost
    (cell,) = load_script("grid_verdict").reach(rows, "asss").to_dict("records")
    assert cell["every bar but the time"] == "" and cell["both best bars"] == ""


def test_regimes_count_cells_ahead_level_and_behind_with_the_methods_that_lead():
    flipped = {"asss": 0.04, "random_floor": 0.2, "cleanlab": 0.06}
    seconds = {"asss": 0.5, "random_floor": 0.0, "cleanlab": 1.0}
    ahead = {"asss": [0.90, 0.91, 0.92, 0.93], "random_floor": FLOOR,
             "cleanlab": [0.85, 0.86, 0.87, 0.88]}  # fmt: skip
    behind = {**ahead, "cleanlab": [0.95, 0.96, 0.97, 0.98]}
    clean = {"asss": [0.80, 0.81, 0.80, 0.81], "random_floor": FLOOR}
    rows = pd.concat([
        noisy_cell(ahead, flipped, seconds),
        noisy_cell(behind, flipped, seconds).assign(keep_ratio=0.3),
        make_rows(clean, keep_ratio=0.01), make_rows(clean, keep_ratio=0.3),
    ])  # fmt: skip
    table = load_script("grid_verdict").regimes(rows, "asss").set_index("regime")
    assert list(table.index) == ["flipped labels", "clean, 1-3% kept", "clean, 10-30% kept"]
    noisy = table.loc["flipped labels"]
    assert noisy["cells"] == 2 and noisy["vs best F1"] == "1 / 0 / 1"
    assert noisy["vs cleanlab F1"] == "1 / 0 / 1" and noisy["behind in F1 (by)"] == "cleanlab 1"
    assert noisy["flipped %"] == "4.0/6.0"
    assert table.loc["clean, 1-3% kept", "vs best F1"] == "0 / 1 / 0"
    assert table.loc["clean, 10-30% kept", "vs cleanlab F1"] == ""
