# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the action plugin shell must work out the way ansible-core would, for
in-process execution to be the same as running the module: whether a task's
Python is the controller's, and what AnsibleModule hides (no_log values) and
warns about (an option set by its name and an alias), computed from the
argument spec rather than read from ansible-core's private attributes.
Also the two per-item steps of the shell that must stay cheap: the task's
environment over os.environ, and no_log masking of the result. Plain Python
and ansible.module_utils: no controller code is imported.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from ansible.module_utils.common.parameters import remove_values


def python_identity(path: str) -> tuple[str, str]:
    """What decides the packages a Python imports: the virtual environment it
    belongs to (pyvenv.cfg beside its executable or one folder up, where Python
    looks for it), else the interpreter file itself. Symlinks are resolved only
    after that, as a venv's python is a symlink to a Python without its packages."""
    executable = os.path.abspath(os.path.expanduser(path))
    for folder in (os.path.dirname(executable), os.path.dirname(os.path.dirname(executable))):
        if os.path.isfile(os.path.join(folder, "pyvenv.cfg")):
            return ("venv", os.path.realpath(folder))
    return ("python", os.path.realpath(executable))


def is_controller_python(interpreter: str) -> bool:
    """Whether `interpreter` (ansible_python_interpreter as the module would
    run it: a path, a name looked up on PATH, or a command with arguments) is
    the Python this controller runs."""
    try:
        command = shlex.split(interpreter)
    except ValueError:
        return False
    if len(command) != 1:  # "/usr/bin/env python3" and the like: not provably the same
        return False
    found = command[0] if os.sep in command[0] else shutil.which(command[0])
    return found is not None and python_identity(found) == python_identity(sys.executable)


def no_log_values(spec: Mapping[str, Any], params: Mapping[str, Any]) -> set[str]:
    """The values of the no_log options (and suboptions), as text, as AnsibleModule hides them."""
    hidden: set[str] = set()
    for name, option in spec.items():
        value = params.get(name)
        if option.get("no_log") and value:
            hidden.update(_leaves(value))
        if option.get("options") and value:
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, Mapping):
                    hidden |= no_log_values(option["options"], item)
    return hidden


def _leaves(value: Any) -> Iterator[str]:
    if isinstance(value, Mapping):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, (list, tuple, set)):
        for item in value:
            yield from _leaves(item)
    elif value is not None and not isinstance(value, bool):
        yield str(value)


def alias_warnings(spec: Mapping[str, Any], args: Mapping[str, Any]) -> list[str]:
    """AnsibleModule's warning for each option given both by its name and by an alias."""
    return [
        f"Both option {name} and its alias {alias} are set."
        for name, option in spec.items()
        for alias in option.get("aliases") or ()
        if name in args and alias in args
    ]


@contextmanager
def environment(overrides: Mapping[str, Any]) -> Iterator[None]:
    """os.environ as the module would see it: the controller's, with the task's
    `environment:` on top (for fallbacks, proxies and CA bundles). Only the
    variables the task sets are saved and put back: a loop item pays nothing
    for a task without `environment:`."""
    given = {str(k): str(v) for k, v in overrides.items()}
    saved = {name: os.environ.get(name) for name in given}
    os.environ.update(given)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


# Characters json.dumps writes escaped: a value holding one cannot be found in the text.
_ESCAPED = re.compile(r'["\\\x00-\x1f\x7f]')


def masked(result: dict[str, Any], hidden: set[str]) -> dict[str, Any]:
    """remove_values(result, hidden), skipped when no hidden value occurs in the
    result at all: the walk is the bigger half of the action's own work, and a
    result rarely holds a secret (the client has redacted its messages already)."""
    values = [value for value in hidden if value]
    if not values:
        return result
    if not any(_ESCAPED.search(value) for value in values):
        text = json.dumps(result, ensure_ascii=False, default=str)
        if not any(value in text for value in values):
            return result
    masked_result: dict[str, Any] = remove_values(result, hidden)
    return masked_result
