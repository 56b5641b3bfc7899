"""A deployed job's directory on a real systemd: the whole folder comes along, the job reads the job file as last
deployed or modified, and a damaged record can be listed around, removed or deployed over."""
from __future__ import annotations

import json
from pathlib import Path

from odin.status import JobState


def python_job(folder: Path, name: str, program: str) -> Path:
    """Write ``<name>.py`` and ``<name>.yml`` (a python3 job run by hand) into ``folder``; return the job file."""
    (folder / f"{name}.py").write_text(program)
    job_file = folder / f"{name}.yml"
    job_file.write_text(f'job:\n  name: "{name}"\n  language: "python3"\n  file: "{name}.py"\n  runs: "never"\n')
    return job_file


def test_jobs_sharing_a_folder_can_import_a_helper_module_beside_them(odin, service, job_name, tmp_path):
    other = f"{job_name}-b"
    (tmp_path / "helper.py").write_text("GREETING = 'hello from the helper'\n")
    program = "import odin\nimport helper\nodin.result(helper.GREETING)\n"
    files = [python_job(tmp_path, name, program) for name in (job_name, other)]
    try:
        service.deploy(files)
        for name in (job_name, other):
            done = odin("run", name, "--wait", "--timeout", "60")
            assert (done.returncode, done.stderr) == (0, "")
            assert json.loads(odin("status", name, "--json").stdout)["last_run"]["result"] == "hello from the helper"
    finally:
        service.remove(other, force=True)


def test_after_modify_the_job_reads_the_new_schedule_and_description(odin, service, make_job, job_name):
    program = "import odin\njob = odin.config()['job']\nodin.result(job['runs'] + ' / ' + job['description'])\n"
    service.deploy([make_job(job_name, runs="every day at 03:00", program=program, language="python3",
                             filename="job.py")])
    done = odin("modify", job_name, "--runs", "every Tuesday at 22:15", "--description", "Moved")
    assert (done.returncode, done.stderr) == (0, "")
    job_dir = service.job_dir(job_name)
    deployed = (job_dir / ".odin" / "job.yml").read_text()
    assert 'runs: "every Tuesday at 22:15"' in deployed and 'description: "Moved"' in deployed
    assert (job_dir / "odin_job.yml").read_text() == deployed
    assert (job_dir / "job.yml").read_text() == deployed
    assert odin("run", job_name, "--wait", "--timeout", "60").returncode == 0
    status = json.loads(odin("status", job_name, "--json").stdout)
    assert status["last_run"]["result"] == "every Tuesday at 22:15 / Moved"


def damage(service, name: str) -> Path:  # type: ignore[no-untyped-def]
    state = service.job_dir(name) / ".odin" / "state.json"
    state.write_text("{garbage")
    return state


def test_a_damaged_record_is_listed_as_such_and_other_jobs_still_are(odin, service, make_job, job_name):
    other = f"{job_name}-ok"
    service.deploy([make_job(job_name), make_job(other, runs="every day at 05:00")])
    try:
        state = damage(service, job_name)
        listed = odin("list")
        assert listed.returncode == 0
        rows = {line.split()[0]: line.split() for line in listed.stdout.splitlines()[1:]}
        assert rows[job_name][-1] == "damaged" and rows[other][-1] == "active"
        assert listed.stderr.startswith(f"odin: job '{job_name}' is damaged: {state} is not valid JSON")
        shown = {job["name"]: job["state"] for job in json.loads(odin("list", "--json").stdout)}
        assert (shown[job_name], shown[other]) == ("damaged", "active")
        assert {job.name: job.status.state for job in service.list_jobs()}[other] is JobState.ACTIVE
        for command in (["status", job_name], ["describe", job_name], ["run", job_name],
                        ["modify", job_name, "--runs", "never"]):
            done = odin(*command)
            assert done.returncode == 1, command
            assert done.stderr.startswith(f"odin: job '{job_name}' is damaged: {state}"), command
            assert "Traceback" not in done.stderr
    finally:
        service.remove(other, force=True)


def test_remove_deletes_a_job_whose_record_is_damaged(odin, service, make_job, job_name):
    service.deploy([make_job(job_name, runs="every day at 05:00")])
    damage(service, job_name)
    done = odin("remove", job_name)
    assert (done.returncode, done.stderr) == (0, "")
    assert not service.job_dir(job_name).exists()
    assert not service.unit_path(job_name, "service").exists()
    assert not service.unit_path(job_name, "timer").exists()


def test_deploying_over_a_damaged_record_repairs_the_job(odin, service, make_job, job_name):
    path = make_job(job_name, runs="every day at 05:00")
    service.deploy([path])
    damage(service, job_name)
    done = odin("deploy", "-f", str(path))
    assert (done.returncode, done.stderr) == (0, "")
    assert service.record(job_name).name == job_name
    assert service.status(job_name).state is JobState.ACTIVE
    assert (service.job_dir(job_name) / "job.sh").exists()
