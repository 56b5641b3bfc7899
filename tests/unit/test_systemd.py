"""The systemd adapter's offline parts: unit verification and decoding of D-Bus values."""
from __future__ import annotations

import shutil

import pytest

from odin.errors import InputError, SystemdError
from odin.systemd import Systemd, UnitStatus, decode

needs_analyze = pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")

GOOD_SERVICE = "[Unit]\nDescription=t\n[Service]\nType=oneshot\nExecStart=/bin/true\n"
GOOD_TIMER = "[Unit]\nDescription=t\n[Timer]\nOnCalendar=*-*-* 03:00:00\nUnit=odin-t.service\n"


def test_creating_the_adapter_does_no_io():
    assert Systemd("unix:path=/nonexistent/socket").address == "unix:path=/nonexistent/socket"


NOWHERE = "unix:path=/nonexistent/odin-test-bus"
UNREACHABLE = (f"cannot reach systemd over D-Bus ({NOWHERE}: No such file or directory): is systemd running? "
               "On a machine without systemd, see scripts/sandbox.sh")


def test_a_bus_with_no_systemd_behind_it_fails_the_ping_saying_what_to_do():
    with pytest.raises(SystemdError) as caught:
        Systemd(NOWHERE).ping()
    assert caught.value.message == UNREACHABLE
    assert caught.value.exit_code == 1


def test_every_call_on_an_unreachable_bus_says_systemd_cannot_be_reached():
    with pytest.raises(SystemdError) as caught:
        Systemd(NOWHERE).statuses(["odin-x.service"])
    assert caught.value.message == UNREACHABLE


@needs_analyze
def test_verify_accepts_good_units():
    Systemd().verify({"odin-t.service": GOOD_SERVICE, "odin-t.timer": GOOD_TIMER})


@needs_analyze
def test_verify_refuses_a_timer_systemd_cannot_load():
    with pytest.raises(InputError, match="systemd rejects the generated units") as caught:
        Systemd().verify({"odin-t.service": GOOD_SERVICE,
                          "odin-t.timer": GOOD_TIMER.replace("03:00:00", "25:00:00")})
    assert "odin-t.timer:4: Failed to parse calendar specification" in caught.value.message


@needs_analyze
def test_verify_refuses_a_line_systemd_would_ignore():
    with pytest.raises(InputError, match="TimeoutStartSec"):
        Systemd().verify({"odin-t.service": GOOD_SERVICE + "TimeoutStartSec=soon\n"})


@pytest.mark.parametrize("value, signature, decoded", [
    (b"active", "s", "active"), (7, "i", 7), (bytes.fromhex("00ff"), "ay", "00ff"), ((3, b"/job/3"), "(uo)", 3),
    ([b"a", b"b"], "as", ["a", "b"]),
], ids=["string", "int", "id", "job", "string list"])
def test_dbus_values_are_decoded_to_str_and_int(value, signature, decoded):
    assert decode(value, signature) == decoded


def test_a_unit_with_an_enablement_link_counts_as_enabled():
    assert UnitStatus("u", "loaded", "active", "waiting", "enabled").enabled
    assert not UnitStatus("u", "loaded", "inactive", "dead", "disabled").enabled
    assert not UnitStatus("u", "not-found", "inactive", "dead", "").exists
