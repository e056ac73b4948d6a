"""Decompression of Unix ``compress`` (``.Z``) files, the format of UCI's older archives.

The standard library reads gzip, bzip2 and xz but not ``.Z``; the UCI
originals of Statlog (Shuttle) and Connect-4 are ``.Z`` files. This follows
the reference decoder of ``ncompress`` (and gzip's ``unlzw``).
"""

_MAGIC = b"\x1f\x9d"
_HEADER_BYTES = 3
_INIT_BITS = 9
_CLEAR = 256
#: Codes are written in groups of 8: when the code width changes (or the table is
#: cleared), the writer pads the current group, and the reader skips the padding.
_CODES_PER_GROUP = 8


def decompress_lzw(data):
    """The bytes compressed in `data`, a ``.Z`` file's content.

    Raises
    ------
    ValueError
        If `data` is not a valid ``.Z`` stream.
    """
    if len(data) < _HEADER_BYTES or data[:2] != _MAGIC:
        raise ValueError("not a .Z (Unix compress) file: the magic number is missing")
    max_bits, block_mode = data[2] & 0x1F, bool(data[2] & 0x80)
    if not _INIT_BITS <= max_bits <= 16:
        raise ValueError(f"not a valid .Z file: maximum code width {max_bits} bits")
    table_size = 1 << max_bits
    table = [bytes((i,)) for i in range(256)] + [b""] * (table_size - 256)
    free = 257 if block_mode else 256
    n_bits, max_code = _INIT_BITS, (1 << _INIT_BITS) - 1
    position, end = _HEADER_BYTES * 8, len(data) * 8
    codes_at_width = 0
    previous = None
    out = bytearray()
    while True:
        if free > max_code:
            position += _padding(codes_at_width, n_bits)
            codes_at_width = 0
            n_bits += 1
            max_code = table_size if n_bits == max_bits else (1 << n_bits) - 1
        if position + n_bits > end:
            break
        start = position >> 3
        word = int.from_bytes(data[start : start + 3], "little")
        code = (word >> (position & 7)) & ((1 << n_bits) - 1)
        position += n_bits
        codes_at_width += 1
        if previous is None:
            if code >= 256:
                raise ValueError(f"not a valid .Z file: first code {code}")
            previous = table[code]
            out += previous
            continue
        if code == _CLEAR and block_mode:
            position += _padding(codes_at_width, n_bits)
            codes_at_width = 0
            free, n_bits, max_code = 256, _INIT_BITS, (1 << _INIT_BITS) - 1
            continue
        if code < free:
            entry = table[code]
        elif code == free:
            entry = previous + previous[:1]
        else:
            raise ValueError(f"not a valid .Z file: code {code} before its definition")
        out += entry
        if free < table_size:
            table[free] = previous + entry[:1]
            free += 1
        previous = entry
    return bytes(out)


def _padding(codes_at_width, n_bits):
    """Bits of padding after `codes_at_width` codes, up to the end of their group."""
    return (-codes_at_width % _CODES_PER_GROUP) * n_bits
