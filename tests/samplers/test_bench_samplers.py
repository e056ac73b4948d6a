"""The scale benchmark script (benchmarks/bench_samplers.py), at a tiny scale."""

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_samplers.py"


@pytest.mark.slow  # a child process that imports torch: ~10-20 s
def test_bench_script_runs_a_sampler_in_its_own_process(tmp_path):
    output = tmp_path / "table.md"
    done = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--synthetic",
            "300",
            "--samplers",
            "NNThinningSampler",
            "--output",
            str(output),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    table = output.read_text()
    assert "make_classification (300 rows" in table
    rows = [line for line in table.splitlines() if line.startswith("| ") and "Sampler" in line]
    assert [row.split("|")[1].strip() for row in rows] == ["NNThinningSampler"]
    for row in rows:
        cells = [cell.strip() for cell in row.split("|")[1:-1]]
        assert float(cells[1]) >= 0  # seconds
        assert float(cells[2]) > 0  # peak RSS
        assert cells[4] == "90 / 300"  # round(0.3 * 300) rows kept
        assert cells[5] == "4 / 4"
