"""benchmarks/bench_device.py at a tiny scale, the device under test being the CPU."""

from _scripts import script_process


def test_a_fit_on_the_device_is_compared_with_two_cpu_fits():
    done = script_process(
        "bench_device", "--device", "cpu", "--datasets", "digits", "--keep-ratios", "0.3",
        "--noise-rates", "0.2",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    header, *rows = done.stdout.splitlines()
    assert header.startswith("cell | fit | seconds")
    cells = [[field.strip() for field in row.split("|")] for row in rows]
    assert [cell[1] for cell in cells] == ["cpu/0", "cpu/1", "cpu/0"]
    first, other_seed, device = cells
    assert all(cell[0] == "digits, 20% flips, keep 0.3" for cell in cells)
    assert all(cell[3] == "True" for cell in cells)  # every fit meets the same class counts
    # the "device" fit is the first CPU fit again: the same rows, the same p, the same model
    assert device[4:] == first[4:] and first[4] == "1.000" and first[5] == "1.000"
    # another seed keeps other rows: the yardstick is not trivially 1
    assert float(other_seed[4]) < 1.0
    assert all(0 <= float(cell[6]) <= 1 and 0 < float(cell[7]) <= 1 for cell in cells)
