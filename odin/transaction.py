"""The undo log behind Odin's all-or-nothing changes, and atomic file writes.

Each change is applied through a :class:`Transaction`, which first records how to undo it. When an
exception leaves the ``with`` block, every recorded step is undone in reverse order and systemd is reloaded,
so the machine is back where it was; the error's message then says which step failed.
"""
from __future__ import annotations

import logging
import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

from odin.errors import OdinError
from odin.systemd import Systemd, timer_stamp

logger = logging.getLogger(__name__)


class Transaction:
    """Applies changes while recording how to undo each; on an exception, undoes them all and reloads."""

    def __init__(self, systemd: Systemd):
        self.systemd = systemd
        self.undo: list[Callable[[], None]] = []
        self.cleanup: list[Callable[[], None]] = []
        self.current = "starting"
        self.touched_units = False

    def __enter__(self) -> Transaction:
        return self

    def __exit__(self, kind: type[BaseException] | None, err: BaseException | None, tb: object) -> None:
        if err is None:
            for action in self.cleanup:
                action()
            return
        step = self.current
        for action in reversed(self.undo):
            try:
                action()
            except Exception:  # keep undoing: every step left standing is one more thing out of place
                logger.exception("could not undo a step while restoring the previous state")
        if self.touched_units:
            self.systemd.reload()
        restored = "nothing was changed: the previous state is restored"
        if isinstance(err, OdinError):
            err.message = f"{step} failed: {err.message}\n{restored}"
            return
        if isinstance(err, Exception):
            raise OdinError(f"{step} failed: {err}\n{restored}") from err

    def step(self, description: str) -> None:
        self.current = description

    def write(self, path: Path, text: str) -> None:
        self.touched_units |= path.suffix in (".service", ".timer")
        old = read_text(path)
        self.undo.append(lambda: restore(path, old))
        write_atomic(path, text)

    def delete(self, path: Path) -> None:
        self.touched_units |= path.suffix in (".service", ".timer")
        old = read_text(path)
        self.undo.append(lambda: restore(path, old))
        path.unlink()

    def replace_dir(self, target: Path, staged: Path) -> None:
        backup = target.with_name(f".old~{target.name}~{uuid.uuid4().hex[:8]}")
        had_old = target.exists()
        if had_old:
            os.rename(target, backup)
        try:
            os.rename(staged, target)
        except BaseException:
            if had_old:
                os.rename(backup, target)
            shutil.rmtree(staged, ignore_errors=True)
            raise

        def undo() -> None:
            shutil.rmtree(target, ignore_errors=True)
            if had_old:
                os.rename(backup, target)

        self.undo.append(undo)
        if had_old:
            self.cleanup.append(lambda: shutil.rmtree(backup, ignore_errors=True))

    def reload(self) -> None:
        self.touched_units = True
        self.systemd.reload()

    def enable(self, units: list[str]) -> None:
        """Enable and start timers; undoing also forgets the stamps that starting them created."""
        fresh = [timer_stamp(u) for u in units if u.endswith(".timer") and not timer_stamp(u).exists()]

        def undo() -> None:
            self.systemd.disable_now(*units)
            for stamp in fresh:
                stamp.unlink(missing_ok=True)

        self.undo.append(undo)
        self.systemd.enable_now(*units)

    def disable(self, units: list[str]) -> None:
        self.undo.append(lambda: self.systemd.enable_now(*units))
        self.systemd.disable_now(*units)


def read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.chmod(0o644)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def restore(path: Path, old: str | None) -> None:
    if old is None:
        path.unlink(missing_ok=True)
    else:
        write_atomic(path, old)
