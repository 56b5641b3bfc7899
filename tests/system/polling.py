"""Waiting for a condition in the system tests: poll with a growing pause, fail after a deadline."""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest


def wait_until_true(predicate: Callable[[], Any], timeout: float = 10.0, message: str = "") -> Any:
    """Poll ``predicate`` until it returns something truthy, and return that; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    delay = 0.02
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"gave up after {timeout:g} s waiting for {message or predicate}")
        time.sleep(delay)
        delay = min(delay * 1.5, 0.25)
