"""Naming a record after its call's source text."""
from __future__ import annotations

import sys

import pytest

from odin.callsite import _from_line, argument_text


def name_of_my_call(value: object) -> str:
    return argument_text(sys._getframe(1), "name_of_my_call")


def test_the_name_is_the_first_arguments_text():
    files = [1]
    assert name_of_my_call(len(files)) == "len(files)"
    assert name_of_my_call(value=files) == "files"


def test_whitespace_inside_the_argument_is_collapsed():
    assert name_of_my_call(
        [1,
         2]) == "[1, 2]"


def test_unicode_before_the_call_does_not_shift_the_columns():
    café = 3
    assert "é" and name_of_my_call(café) == "café"


@pytest.mark.parametrize(("line", "expected"), [
    ("x = odin.watch(len(files))", "len(files)"),
    ("if odin.condition(a == b, 'same'):", "a == b"),
    ("odin.watch(f(1, 2)[0])", "f(1, 2)[0]"),
    ("odin.watch(a); odin.watch(b)", None),
    ("odin.watch(", None),
    ("print('no call')", None),
], ids=["assignment", "with-description", "nested", "two-calls", "split-call", "no-call"])
def test_without_columns_the_line_is_scanned_for_the_one_call(line, expected):
    function = "condition" if "condition" in line else "watch"
    assert _from_line(line, function) == expected
