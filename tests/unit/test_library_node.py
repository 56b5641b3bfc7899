"""The Node.js library, library/node: its own tests, require and import, config reading, and packing."""
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
PACKAGE = ROOT / "library" / "node"
DATA = ROOT / "tests" / "data" / "libraries"
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed")


def run_node(tmp_path: Path, file: str, source: str) -> subprocess.CompletedProcess[str]:
    """Write ``source`` as a job's file and run it the way the wrapper does, by hand (no record pipe)."""
    (tmp_path / file).write_text(source)
    environ = {k: v for k, v in os.environ.items() if k not in ("ODIN_RECORD_FD", "NODE_OPTIONS", "NODE_PATH")}
    command, env = prepare([NODE, str(tmp_path / file)], environ)
    return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)


def test_the_node_library_passes_its_own_tests():
    done = subprocess.run([NODE, "--test", "test/"], cwd=PACKAGE, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "# fail 0" in done.stdout


@pytest.mark.parametrize(("file", "source"), [
    ("job.js", "const odin = require('odin');\nconst n = 2;\nodin.watch(n * 21);\nodin.result('cjs');\n"),
    ("job.cjs", "const { watch, result } = require('odin');\nconst n = 2;\nwatch(n * 21);\nresult('cjs');\n"),
    ("job.mjs", "import odin from 'odin';\nconst n = 2;\nodin.watch(n * 21);\nodin.result('cjs');\n"),
    ("job.mjs", "import { watch, result } from 'odin';\nconst n = 2;\nwatch(n * 21);\nresult('cjs');\n"),
], ids=["require", "require .cjs", "default import", "named imports"])
def test_a_job_finds_the_library_with_require_and_with_import(tmp_path, file, source):
    done = run_node(tmp_path, file, source)
    assert (done.returncode, done.stderr) == (0, "odin: watch n * 21 = 42\nodin: result (success): cjs\n")


def test_a_js_file_in_a_module_package_is_run_as_an_es_module(tmp_path):
    (tmp_path / "package.json").write_text('{"type": "module"}')
    done = run_node(tmp_path, "job.js", "import { condition, result } from 'odin';\n"
                                        "condition(1 > 2, 'one is more');\nresult('esm');\n")
    assert (done.returncode, done.stderr) == (1, "odin: condition (one is more) is false\n"
                                                 "odin: result (failure): esm\n")


def test_node_config_reads_a_job_file_as_pyyaml_does():
    command, env = prepare([NODE, str(DATA / "print_config.js"), str(DATA / "config.yml")], dict(os.environ))
    done = subprocess.run(command, cwd=DATA, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == yaml.safe_load((DATA / "config.yml").read_text())


def test_calls_are_synchronous_so_records_are_written_before_process_exit(tmp_path):
    source = "const odin = require('odin');\nfor (let i = 0; i < 2000; i++) odin.watch(i, 'i');\nprocess.exit(0);\n"
    done = run_node(tmp_path, "job.js", source)
    assert done.stderr.count("odin: watch i = ") == 2000


def test_the_package_declares_both_entry_points_and_ships_only_its_files():
    manifest = json.loads((PACKAGE / "package.json").read_text())
    assert manifest["name"] == "odin"
    assert manifest["exports"]["."]["require"] == "./odin.cjs"
    assert manifest["exports"]["."]["import"] == "./odin.mjs"
    for name in manifest["files"]:
        assert (PACKAGE / name).is_file(), name
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed")
    done = subprocess.run([npm, "pack", "--dry-run", "--json"], cwd=PACKAGE, capture_output=True, text=True,
                          timeout=120)
    packed = {entry["path"] for entry in json.loads(done.stdout)[0]["files"]}
    assert packed == {*manifest["files"], "package.json"}
