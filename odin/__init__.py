"""Odin: plain-English schedules compiled to systemd timers, and the library a job uses to report.

Inside a job::

    import odin
    n = odin.watch(len(files))
    if odin.condition(n < 100):
        odin.result("cache is small")

This module imports only the standard library, so ``import odin`` stays cheap inside every job.
"""
__version__ = "0.1.0"
