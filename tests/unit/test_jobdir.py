"""Job directories: which files a job brings along, comparing them, staging them, and the stored record."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from odin.errors import JobFileError
from odin.jobdir import (JOB_FILE, META_DIR, STATE_FILE, DamagedJob, JobRecord, copy_list, job_files, parse_record,
                         same_files, stage)
from odin.jobfile import load_job

DATA = Path(__file__).parent.parent / "data" / "jobs"


def test_a_directory_yields_its_job_files_in_order_including_subfolders():
    found = job_files([DATA])
    assert [p.relative_to(DATA).as_posix() for p in found] == [
        "flat/alpha.yml", "flat/beta.yml", "full/full.yml", "original/docker_prune.yml"]


def test_a_missing_path_is_an_error(tmp_path):
    with pytest.raises(JobFileError, match="no such file or directory"):
        job_files([tmp_path / "nope.yml"])


def test_a_directory_without_job_files_is_an_error(tmp_path):
    with pytest.raises(JobFileError, match="no job files"):
        job_files([tmp_path])


def test_a_file_named_twice_or_also_inside_a_given_directory_counts_once(tmp_path):
    (tmp_path / "x.yml").write_text("job: {}\n")
    (tmp_path / "y.yml").write_text("job: {}\n")
    found = job_files([tmp_path / "x.yml", tmp_path / "x.yml", tmp_path, tmp_path / "." / "y.yml"])
    assert found == [tmp_path / "x.yml", tmp_path / "y.yml"]


def test_a_folder_of_its_own_is_copied_whole():
    spec = load_job(DATA / "full" / "full.yml")
    assert sorted(copy_list(spec)) == ["bin/full.sh", "full.env", "full.yml", "odin_job.yml"]


def test_a_folder_shared_by_several_job_files_is_copied_whole_for_each():
    spec = load_job(DATA / "flat" / "alpha.yml")
    assert sorted(copy_list(spec)) == ["README.txt", "alpha.sh", "alpha.yml", "beta.sh", "beta.yml",
                                       "odin_job.yml"]


def test_a_helper_module_beside_several_job_files_comes_along(tmp_path):
    for job in ("a", "b"):
        (tmp_path / f"{job}.py").write_text("import helper\n")
        (tmp_path / f"{job}.yml").write_text(f'job:\n  name: "{job}"\n  language: "python3"\n  file: "{job}.py"\n'
                                             '  runs: "never"\n')
    (tmp_path / "helper.py").write_text("VALUE = 1\n")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "helper.cpython-311.pyc").write_bytes(b"\0")
    files = copy_list(load_job(tmp_path / "a.yml"))
    assert files["helper.py"] == tmp_path / "helper.py"
    assert sorted(files) == ["a.py", "a.yml", "b.py", "b.yml", "helper.py", "odin_job.yml"]


def test_the_job_file_is_also_where_the_library_looks_for_it():
    spec = load_job(DATA / "flat" / "alpha.yml")
    assert copy_list(spec)["odin_job.yml"] == DATA / "flat" / "alpha.yml"


def test_a_huge_folder_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr("odin.jobdir.MAX_FILES", 3)
    (tmp_path / "job.yml").write_text('job:\n  name: "x"\n  language: "sh"\n  file: "a.sh"\n  runs: "never"\n')
    for i in range(4):
        (tmp_path / f"{chr(97 + i)}.sh").write_text("true\n")
    with pytest.raises(JobFileError, match="holds more than 3 files"):
        copy_list(load_job(tmp_path / "job.yml"))


def test_staged_files_compare_equal_until_one_changes(tmp_path):
    spec = load_job(DATA / "full" / "full.yml")
    files = copy_list(spec)
    staged = stage(tmp_path, spec.name, files, {STATE_FILE: "{}", JOB_FILE: "job: {}\n"})
    assert staged.parent == tmp_path and "~" in staged.name
    assert (staged / META_DIR / STATE_FILE).read_text() == "{}"
    assert same_files(files, staged)
    (staged / "bin" / "full.sh").write_text("echo changed\n")
    assert not same_files(files, staged)


def test_a_mode_change_counts_as_a_change(tmp_path):
    spec = load_job(DATA / "flat" / "alpha.yml")
    files = copy_list(spec)
    staged = stage(tmp_path, spec.name, files, {})
    os.chmod(staged / "alpha.sh", 0o700)
    assert not same_files(files, staged)


def test_an_extra_file_in_the_job_directory_counts_as_a_change(tmp_path):
    spec = load_job(DATA / "flat" / "alpha.yml")
    files = copy_list(spec)
    staged = stage(tmp_path, spec.name, files, {})
    (staged / "left-over.txt").write_text("x")
    assert not same_files(files, staged)


def test_the_record_survives_a_round_trip_through_json():
    record = JobRecord("a", "/srv/a/job.yml", "root", None, ("b",), ("c", "d"))
    assert JobRecord.from_json(record.to_json()) == record
    assert record.links == ("b", "c", "d")


@pytest.mark.parametrize("data, reason", [
    (b"{garbage", "is not valid JSON (Expecting property name enclosed in double quotes at line 1 column 2)"),
    (b"\xff\xfe", "is not UTF-8 text"),
    (b"[1, 2]", "does not hold a job's record (an object with 'name' and 'source')"),
    (b'{"name": "x"}', "does not hold a job's record (an object with 'name' and 'source')"),
    (b'{"name": 7, "source": "/x.yml"}', "does not hold a job's record (an object with 'name' and 'source')"),
], ids=["not json", "not utf-8", "a list", "no source", "a number for a name"])
def test_a_damaged_record_names_its_job_file_and_what_to_do(data, reason):
    path = "/var/lib/odin/jobs/nightly/.odin/state.json"
    with pytest.raises(DamagedJob) as caught:
        parse_record(data, path)
    assert caught.value.name == "nightly"
    assert caught.value.exit_code == 1
    assert caught.value.render() == (
        f"job 'nightly' is damaged: {path} {reason}\n"
        "remove it with 'odin remove nightly', or deploy its job file again over it with 'odin deploy -f FILE'")
