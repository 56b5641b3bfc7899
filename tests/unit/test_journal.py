"""The journal adapter's pure parts: the native wire format and decoding ``journalctl -o json`` values."""
from __future__ import annotations

import struct

from odin.journal import decode_entry, decode_value, encode_native


def test_simple_fields_are_key_equals_value_lines():
    assert encode_native({"MESSAGE": "hello", "ODIN_KIND": "watch"}) == b"MESSAGE=hello\nODIN_KIND=watch\n"


def test_a_value_with_a_newline_is_sent_with_its_length():
    value = "line one\nline two"
    data = encode_native({"ODIN_VALUE": value})
    assert data == b"ODIN_VALUE\n" + struct.pack("<Q", len(value)) + value.encode() + b"\n"


def test_bytes_and_non_ascii_are_sent_as_utf8():
    assert encode_native({"A": "café", "B": b"\xff"}) == "A=café\n".encode() + b"B=\xff\n"


def test_journalctl_byte_arrays_decode_with_escapes_for_bytes_that_are_not_utf8():
    assert decode_value([98, 97, 100, 32, 255, 254]) == "bad \\xff\\xfe"
    assert decode_value([27, 91, 51, 49, 109, 114, 101, 100]) == "\x1b[31mred"


def test_a_repeated_field_gives_its_first_value():
    assert decode_value(["first", "second"]) == "first"
    assert decode_value([[104, 105], "x"]) == "hi"


def test_an_entry_decodes_to_text_values():
    line = b'{"MESSAGE":[104,255],"ODIN_KIND":"watch","PRIORITY":"6","EMPTY":null}'
    assert decode_entry(line) == {"MESSAGE": "h\\xff", "ODIN_KIND": "watch", "PRIORITY": "6", "EMPTY": ""}
