"""Starter programs for ``odin generate``: a job file and a first program using the in-job library."""
from __future__ import annotations

import json
from dataclasses import dataclass

from odin.jobfile import Language


@dataclass(frozen=True, slots=True)
class Starter:
    """A file to write: its name, its text and whether it must be executable."""

    filename: str
    text: str
    executable: bool = False


_PROGRAMS = {
    Language.PYTHON3: (".py", '''{pydoc}
import odin

count = 0  # replace with the real work
print("{name}: starting")
odin.watch(count, "items")
if odin.condition(count >= 0, "count is sane"):
    odin.result(f"{name} handled {{count}} items")
'''),
    Language.NODE: (".js", '''// {description}
const odin = require('odin');

const count = 0; // replace with the real work
console.log('{name}: starting');
odin.watch(count, 'items');
odin.condition(count >= 0, 'count is sane');
odin.result(`{name} handled ${{count}} items`);
'''),
    Language.GO: (".go", '''// {description}
package main

import (
	"fmt"

	"odin.local/odin"
)

func main() {{
	count := 0 // replace with the real work
	fmt.Println("{name}: starting")
	odin.Watch(count, "items")
	odin.Condition(count >= 0, "count is sane")
	odin.Result(fmt.Sprintf("{name} handled %d items", count))
}}
'''),
    Language.BASH: (".sh", '''# {description}
. odin.sh

count=0  # replace with the real work
echo "{name}: starting"
odin_watch items "$count"
odin_condition "count is sane" [ "$count" -ge 0 ]
odin_result "{name} handled $count items"
'''),
}
_PROGRAMS[Language.PYTHON] = _PROGRAMS[Language.PYTHON3]
_PROGRAMS[Language.SH] = _PROGRAMS[Language.BASH]
_PROGRAMS[Language.EXEC] = ("", "#!/bin/sh\n" + _PROGRAMS[Language.BASH][1])


def starters(name: str, language: Language, runs: str, description: str) -> tuple[Starter, Starter]:
    """The job file ``<name>.yml`` and its program, ready to deploy."""
    suffix, template = _PROGRAMS[language]
    program = f"{name}{suffix}"
    job = (
        "provider:\n"
        '  name: "odin"\n'
        '  version: "1.0.0"\n'
        "job:\n"
        f"  name: {json.dumps(name)}\n"
        f"  description: {json.dumps(description, ensure_ascii=False)}\n"
        f"  language: {json.dumps(language.value)}\n"
        f"  file: {json.dumps(program)}\n"
        f"  runs: {json.dumps(runs, ensure_ascii=False)}\n"
    )
    line = description.replace("\n", " ")
    text = template.format(name=name, description=line, pydoc=json.dumps(line, ensure_ascii=False))
    return Starter(f"{name}.yml", job), Starter(program, text, executable=language is Language.EXEC)
