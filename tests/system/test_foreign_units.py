"""Units named like Odin's that Odin did not write (by hand, or transient from systemd-run): deploy refuses
the name and writes nothing, remove does not know the job and leaves the unit alone."""
from __future__ import annotations

import subprocess

HAND_WRITTEN = "[Unit]\nDescription=Made by hand\n\n[Service]\nType=oneshot\nExecStart=/bin/true\n"


def refused(done: subprocess.CompletedProcess[str], unit: str, where: str) -> bool:
    first = done.stderr.splitlines()[0]
    hint = "pick another job name: Odin does not take over units it did not write"
    return ((done.returncode, done.stdout) == (2, "") and done.stderr.splitlines()[-1] == hint
            and first.endswith(f"{unit} already exists and was not written by Odin ({where})"))


def unknown(done: subprocess.CompletedProcess[str], name: str) -> bool:
    expected = f"odin: no job named '{name}' is deployed\n"
    return (done.returncode, done.stdout, done.stderr) == (1, "", expected)


def test_a_hand_written_unit_of_the_same_name_is_not_taken_over_nor_removed(odin, service, settings, make_job,
                                                                            job_name):
    unit = settings.unit_dir / f"odin-{job_name}.service"
    unit.write_text(HAND_WRITTEN)
    try:
        done = odin("deploy", "-f", str(make_job(job_name, runs="every day at 03:00")))
        assert refused(done, unit.name, f"{unit}, without Odin's X-Odin-Version= stamp"), done.stderr
        assert unit.read_text() == HAND_WRITTEN
        assert not service.unit_path(job_name, "timer").exists()
        assert not service.job_dir(job_name).exists()
        assert unknown(odin("remove", job_name), job_name)
        assert unit.read_text() == HAND_WRITTEN
    finally:
        unit.unlink()


def test_a_transient_unit_of_the_same_name_is_not_taken_over_nor_stopped(odin, service, systemd, make_job,
                                                                         job_name):
    unit = f"odin-{job_name}.service"
    subprocess.run(["systemd-run", "--quiet", f"--unit={unit}", "sleep", "300"], check=True, timeout=30)
    try:
        done = odin("deploy", "-f", str(make_job(job_name)))
        assert refused(done, unit, "a transient unit, started with systemd-run"), done.stderr
        assert not service.unit_path(job_name, "service").exists()
        assert not service.job_dir(job_name).exists()
        assert unknown(odin("remove", job_name), job_name)
        assert unknown(odin("remove", job_name, "--force"), job_name)
        assert systemd.status(unit).active_state == "active"
    finally:
        systemd.stop(unit)


def test_units_odin_wrote_for_a_job_whose_directory_is_gone_are_still_odins(odin, service, make_job,
                                                                           job_name):
    path = make_job(job_name, runs="every day at 03:00")
    service.deploy([path])
    # What an interrupted remove could leave: the units, without the job directory.
    for item in sorted(service.job_dir(job_name).rglob("*"), reverse=True):
        item.rmdir() if item.is_dir() else item.unlink()
    service.job_dir(job_name).rmdir()
    done = odin("deploy", "-f", str(path))
    assert done.returncode == 0, done.stderr
    removed = odin("remove", job_name)
    assert removed.returncode == 0, removed.stderr
    assert f"removed {service.unit_path(job_name, 'service')}" in removed.stdout.splitlines()
