"""The ``.Z`` reader, checked against gzip's reference decoder where gzip is installed."""

import shutil
import subprocess

import pytest
from _compress import compress_lzw

from sklearn_asss.datasets._lzw import decompress_lzw

#: Inputs that exercise every path: empty, one byte, the KwKwK case (a code
#: used as soon as it is defined), the code width growing, and (with 12 bits)
#: the table filling up and being cleared.
SAMPLES = {
    "empty": b"",
    "one-byte": b"a",
    "repeats": b"a" * 5000,
    "all-bytes": bytes(range(256)) * 200,
    "text": b"".join(b"%d,%d,train\n" % (i, i * i % 97) for i in range(20000)),
}


@pytest.mark.parametrize("max_bits", [12, 16])
@pytest.mark.parametrize("sample", SAMPLES)
def test_round_trip(sample, max_bits):
    data = SAMPLES[sample]
    assert decompress_lzw(compress_lzw(data, max_bits)) == data


@pytest.mark.skipif(shutil.which("gzip") is None, reason="gzip is not installed")
@pytest.mark.parametrize("max_bits", [12, 16])
def test_the_test_writer_matches_gzip(max_bits):
    """gzip (the reference decoder) reads what the tests serve as UCI's .Z files."""
    data = SAMPLES["text"]
    compressed = compress_lzw(data, max_bits)
    assert subprocess.run(["gzip", "-dc"], input=compressed, capture_output=True).stdout == data
    assert len(compressed) < len(data) / 2


@pytest.mark.parametrize(
    "data, message",
    [
        (b"PK\x03\x04", "magic number"),
        (b"\x1f\x9d\x88", "maximum code width 8"),
        (b"\x1f\x9d\x90\xff\x01", "first code"),
    ],
)
def test_invalid_input_is_a_value_error(data, message):
    with pytest.raises(ValueError, match=message):
        decompress_lzw(data)


def test_a_code_before_its_definition_is_a_value_error():
    # "a" then code 300, far beyond the next free code 257
    data = bytes([0x1F, 0x9D, 0x90]) + (97 | 300 << 9).to_bytes(3, "little")
    with pytest.raises(ValueError, match="code 300 before its definition"):
        decompress_lzw(data)
