"""The Go library, library/go (module odin.local/odin): its own tests, config reading, and how jobs are built."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from odin.libraries import prepare

ROOT = Path(__file__).resolve().parents[2]
MODULE = ROOT / "library" / "go"
DATA = ROOT / "tests" / "data" / "libraries"
GO = shutil.which("go")

pytestmark = pytest.mark.skipif(GO is None, reason="go is not installed (Debian: golang-go)")


def go_env() -> dict[str, str]:
    """No module proxy: the library must build from the standard library alone."""
    env = dict(os.environ, GOPROXY="off", GOFLAGS="", GO111MODULE="on")
    env.pop("GOWORK", None)
    if not any(env.get(name) for name in ("GOCACHE", "HOME", "XDG_CACHE_HOME")):
        env["GOCACHE"] = "/var/cache/odin/go-build"  # where run.sh puts it for a service, which has no HOME
    return env


def run_go_job(tmp_path: Path, source: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Write ``source`` as a job's main.go and run it the way the wrapper does."""
    (tmp_path / "main.go").write_text(source)
    command, env = prepare([GO, "run", str(tmp_path / "main.go"), *args], go_env())
    return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)


def test_the_go_library_passes_its_own_tests_and_vet():
    for command in (["go", "vet", "./..."], ["go", "test", "-count=1", "./..."]):
        done = subprocess.run(command, cwd=MODULE, env=go_env(), capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("ok  \todin.local/odin")


def test_the_go_module_is_formatted_and_needs_nothing_but_the_standard_library():
    listed = subprocess.run(["go", "list", "-m", "all"], cwd=MODULE, env=go_env(), capture_output=True,
                            text=True, timeout=60)
    assert listed.stdout.split() == ["odin.local/odin"]
    unformatted = subprocess.run(["gofmt", "-l", "."], cwd=MODULE, capture_output=True, text=True, timeout=60)
    assert unformatted.stdout == ""


def test_go_config_reads_a_job_file_as_pyyaml_does():
    command, env = prepare([GO, "run", str(DATA / "print_config.go"), str(DATA / "config.yml")], go_env())
    done = subprocess.run(command, cwd=DATA, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == yaml.safe_load((DATA / "config.yml").read_text())


def test_a_go_job_keeps_its_own_exit_code_and_stderr(tmp_path):
    done = run_go_job(tmp_path, 'package main\nimport ("fmt"; "os")\n'
                      'func main() { fmt.Fprintln(os.Stderr, "bad:", os.Args[1]); os.Exit(3) }\n', "input")
    assert (done.returncode, done.stderr) == (3, "bad: input\n")


def test_a_go_job_that_does_not_compile_fails_with_the_compiler_message(tmp_path):
    done = run_go_job(tmp_path, "package main\nfunc main() { undefinedThing() }\n")
    assert done.returncode != 0
    assert "undefined: undefinedThing" in done.stderr


def test_a_go_job_with_its_own_module_builds_with_it(tmp_path):
    library = MODULE.as_posix()
    (tmp_path / "go.mod").write_text(f"module example.com/job\n\ngo 1.19\n\nrequire odin.local/odin v0.0.0\n\n"
                                     f"replace odin.local/odin => {library}\n")
    done = run_go_job(tmp_path, 'package main\nimport "odin.local/odin"\n'
                      'func main() { odin.Result("own module", odin.Watch(2) == 2) }\n')
    assert (done.returncode, done.stderr) == (0, "odin: watch 2 = 2\nodin: result (success): own module\n")


def test_a_go_job_runs_without_home_as_a_system_service_does(tmp_path):
    env = {k: v for k, v in go_env().items() if k not in ("HOME", "XDG_CACHE_HOME", "GOCACHE")}
    env["CACHE_DIRECTORY"] = str(tmp_path / "cache")
    (tmp_path / "main.go").write_text('package main\nimport "odin.local/odin"\nfunc main() { odin.Result("ok") }\n')
    command, env = prepare([GO, "run", str(tmp_path / "main.go")], env)
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert (done.returncode, done.stderr) == (0, "odin: result (success): ok\n")
    assert (tmp_path / "cache" / "go-build").is_dir()
    assert [p.name for p in (tmp_path / "cache" / "odin" / "go-bin").iterdir()][0].startswith("main-")
