# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # What check_mode and diff_mode mean; each module states its support. Every
    # module has an action plugin of its name: declared here once.
    DOCUMENTATION = r"""
attributes:
  action:
    description:
      Indicates this has a corresponding action plugin so some parts of the work can be done on the controller.
    support: full
    details:
      - The module's work runs in-process on the controller, through its action plugin, when the task's connection is
        local (C(hosts=localhost), C(delegate_to=localhost), AWX's implicit localhost) with no C(become) and no
        C(async), the module would run with the controller's own Python, and the controller can import requests and
        urllib3. This skips starting a Python interpreter for each task and lets the items of a loop share one HTTP
        connection; the results are the same.
      - The Python decides which requests, certifi and CA bundle a task uses, so an C(ansible_python_interpreter) (or
        C(interpreter_python)) that resolves to another Python than the controller's runs the module with that Python.
        It is templated and compared by what it resolves to; C({{ ansible_playbook_python }}), unset or C(auto) keep
        the task in-process.
      - Everywhere else (remote hosts, C(become), C(async), another Python, a controller without the libraries) the
        module runs on the target as usual.
      - Set the variable C(seed_openai_execution=module) (it is templated), or the controller's environment variable
        E(SEED_OPENAI_EXECUTION=module), to run the modules as modules everywhere.
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying the target.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check mode), when in diff mode.
"""
