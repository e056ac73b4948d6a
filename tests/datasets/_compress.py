"""A Unix ``compress`` (``.Z``) writer for the tests: gzip and our reader check it.

The UCI originals of shuttle and connect-4 are ``.Z`` files; the tests serve
such files made from the shared data, written by this reference-style encoder
(the layout of ``ncompress``: codes grow from 9 bits, groups of 8 codes padded
when the width changes, a CLEAR code when the table is full).
"""

_CLEAR = 256


def compress_lzw(data, max_bits=16):
    """`data` as the bytes of a ``.Z`` file in block mode."""
    out = bytearray(b"\x1f\x9d" + bytes([0x80 | max_bits]))
    state = {"acc": 0, "n_acc": 0, "n_bits": 9, "codes": 0}

    def put(value, n_bits):
        state["acc"] |= value << state["n_acc"]
        state["n_acc"] += n_bits
        while state["n_acc"] >= 8:
            out.append(state["acc"] & 0xFF)
            state["acc"] >>= 8
            state["n_acc"] -= 8

    def emit(code):
        put(code, state["n_bits"])
        state["codes"] += 1

    def pad_group():
        put(0, (-state["codes"] % 8) * state["n_bits"])
        state["codes"] = 0

    table_size = 1 << max_bits
    table = {bytes((i,)): i for i in range(256)}
    free = 257
    word = b""
    for byte in data:
        extended = word + bytes((byte,))
        if extended in table:
            word = extended
            continue
        emit(table[word])
        if free > (1 << state["n_bits"]) - 1 and state["n_bits"] < max_bits:
            pad_group()
            state["n_bits"] += 1
        if free < table_size:
            table[extended] = free
            free += 1
        else:
            emit(_CLEAR)
            pad_group()
            state["n_bits"] = 9
            table = {bytes((i,)): i for i in range(256)}
            free = 257
        word = bytes((byte,))
    if word:
        emit(table[word])
    if state["n_acc"]:
        out.append(state["acc"])
    return bytes(out)
