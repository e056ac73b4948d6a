"""A Unix ``compress`` (``.Z``) writer for the tests: gzip and our reader check it.

The UCI originals of shuttle and connect-4 are ``.Z`` files; the tests serve
such files made from the shared data, written by this encoder in the layout of
``ncompress``: codes grow from 9 bits, each group of 8 codes is padded when the
width changes, and a CLEAR code restarts the table when it is full.
"""

_CLEAR = 256
_INIT_BITS = 9


def compress_lzw(data, max_bits=16):
    """`data` as the bytes of a ``.Z`` file in block mode."""
    out = bytearray(b"\x1f\x9d" + bytes([0x80 | max_bits]))
    acc = n_acc = codes = 0
    n_bits = _INIT_BITS
    table_size = 1 << max_bits
    table, free = {}, 257  # (prefix code << 8 | byte) -> code

    def put(value, width):
        nonlocal acc, n_acc
        acc |= value << n_acc
        n_acc += width
        while n_acc >= 8:
            out.append(acc & 0xFF)
            acc >>= 8
            n_acc -= 8

    def pad_group():
        nonlocal codes
        put(0, (-codes % 8) * n_bits)
        codes = 0

    if not data:
        return bytes(out)
    code = data[0]
    for byte in data[1:]:
        key = code << 8 | byte
        known = table.get(key)
        if known is not None:
            code = known
            continue
        put(code, n_bits)
        codes += 1
        if free > (1 << n_bits) - 1 and n_bits < max_bits:
            pad_group()
            n_bits += 1
        if free < table_size:
            table[key] = free
            free += 1
        else:
            put(_CLEAR, n_bits)
            codes += 1
            pad_group()
            n_bits, table, free = _INIT_BITS, {}, 257
        code = byte
    put(code, n_bits)
    if n_acc:
        out.append(acc)
    return bytes(out)
