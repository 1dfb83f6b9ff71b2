"""Run ansible-test (sanity, units, integration) on one ansible-core version, offline-safe.

    python tools/ansible_test.py --core 2.19 --python 3.11 sanity units
    python tools/ansible_test.py --core 2.21 --python 3.12 integration --modes in_process,module

For each ansible-core version it keeps a virtual environment under
.build/ansible-test/, copies the collection's tracked files into an
ansible_collections/seed/openai tree there, and runs ansible-test with
--venv. ansible-test bootstraps pip in its virtual environments with a
get-pip.py script from a host this machine cannot reach; it looks in its
cache first, so this seeds the cache with a bootstrap that uses ensurepip
and installs the pinned pip from the package index instead.

integration runs the targets in tests/integration/targets once per execution
mode asked for (--modes): in_process is the default for a local connection,
module sets the variable seed_openai_execution=module through
tests/integration/integration_config.yml in the copy. It prints the wall time
of each run.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, ".build", "ansible-test")
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"

BOOTSTRAP = '''"""get-pip stand-in written by seed.openai's tools/ansible_test.py: ensurepip,
then pip installs what ansible-test asked for from the package index."""
import os
import subprocess
import sys

args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
if os.path.exists({ca!r}) and not os.environ.get("PIP_CERT"):
    args = ["--cert", {ca!r}] + args
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"])
subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet"] + args)
'''


def find_python(version: str) -> str:
    candidates = sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{version}.*/bin/python{version}")))
    found = candidates[-1] if candidates else shutil.which(f"python{version}")
    if not found:
        sys.exit(f"ansible_test.py: Python {version} is not on this machine (looked in pyenv and PATH)")
    return found


def run(command: list[str], **kwargs) -> None:
    print("+", " ".join(command), flush=True)
    subprocess.run(command, check=True, **kwargs)


def prepare_venv(core: str, python: str) -> str:
    venv = os.path.join(WORK, f"core-{core}")
    marker = os.path.join(venv, ".installed")
    if not os.path.exists(marker):
        shutil.rmtree(venv, ignore_errors=True)
        run([python, "-m", "venv", venv])
        run(
            [
                os.path.join(venv, "bin", "pip"),
                "install",
                "--quiet",
                "--disable-pip-version-check",
                f"ansible-core=={core}.*",
            ]
        )
        open(marker, "w").close()
    return venv


def seed_pip_bootstrap(venv: str) -> None:
    """Put the ensurepip stand-in where ansible-test caches get-pip.py."""
    requirements = glob.glob(
        os.path.join(venv, "lib", "python*", "site-packages", "ansible_test", "_internal", "python_requirements.py")
    )
    with open(requirements[0], encoding="utf-8") as handle:
        versions = set(re.findall(r"pip='([0-9.]+)'", handle.read()))
    cache = os.path.expanduser("~/.ansible/test/cache")
    os.makedirs(cache, exist_ok=True)
    bootstrap = BOOTSTRAP.format(ca=CA_BUNDLE)
    for version in versions:
        path = os.path.join(cache, f"get_pip_{version.replace('.', '_')}.py")
        if os.path.exists(path):
            with open(path, encoding="utf-8") as handle:
                if handle.read() == bootstrap:
                    continue  # another run may be reading it: leave it be
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(bootstrap)


def copy_collection(core: str, purpose: str) -> str:
    """The tracked (and new, unignored) files, at ansible_collections/seed/openai."""
    # Outside the repository: inside it, ansible-test would list files with git,
    # which ignores .build/, and find nothing to test.
    # One tree per checkout, so that two clones can run their checks at once.
    checkout = hashlib.sha1(ROOT.encode()).hexdigest()[:10]
    target = os.path.join(
        tempfile.gettempdir(),
        f"seed-openai-ansible-test-{checkout}",
        f"tree-{core}-{purpose}",
        "ansible_collections",
        "seed",
        "openai",
    )
    shutil.rmtree(os.path.dirname(os.path.dirname(target)), ignore_errors=True)
    files = (
        subprocess.run(
            ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True, capture_output=True
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, files):
        source = os.path.join(ROOT, name)
        if os.path.isfile(source):
            os.makedirs(os.path.dirname(os.path.join(target, name)), exist_ok=True)
            shutil.copy2(source, os.path.join(target, name))
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--core", required=True, help="ansible-core minor version, e.g. 2.19")
    parser.add_argument("--python", required=True, help="Python minor version, e.g. 3.11")
    parser.add_argument("tests", nargs="+", choices=["sanity", "units", "integration"])
    parser.add_argument(
        "--modes",
        default="in_process",
        help="integration: execution modes to run the targets in, comma-separated: in_process, module",
    )
    parser.add_argument("--targets", nargs="*", default=[], help="integration: only these targets")
    args = parser.parse_args()
    modes = args.modes.split(",")
    if not set(modes) <= set(EXECUTION_MODES):
        parser.error(f"--modes takes {', '.join(EXECUTION_MODES)}, comma-separated")

    python = find_python(args.python)
    venv = prepare_venv(args.core, python)
    seed_pip_bootstrap(venv)
    # Sanity and units share a tree; integration has its own, so both can run at once.
    tree = copy_collection(args.core, "integration" if args.tests == ["integration"] else "checks")
    # ansible-test finds interpreters as pythonX.Y on PATH.
    shims = os.path.join(WORK, "bin")
    os.makedirs(shims, exist_ok=True)
    link = os.path.join(shims, f"python{args.python}")
    if os.path.islink(link):
        os.unlink(link)
    os.symlink(python, link)
    env = dict(os.environ, PATH=os.pathsep.join([os.path.join(venv, "bin"), shims, os.environ["PATH"]]))
    env.pop("PYTHONPATH", None)
    ansible_test = os.path.join(venv, "bin", "ansible-test")
    for test in args.tests:
        command = [ansible_test, test, "--venv", "--python", args.python, "--color", "no"]
        if test == "units":
            command.append("--requirements")
        if test != "integration":
            run(command, cwd=tree, env=env)
            continue
        for mode in modes:
            started = time.monotonic()
            write_integration_config(tree, mode)
            run([*command, "--requirements", *args.targets], cwd=tree, env=env)
            took = time.monotonic() - started
            print(f"ansible-test integration, ansible-core {args.core}, {mode}: {took:.0f} s", flush=True)
    return 0


EXECUTION_MODES = {"in_process": {}, "module": {"seed_openai_execution": "module"}}


def write_integration_config(tree: str, mode: str) -> None:
    """The variables every target gets (ansible-test passes this file as vars_files)."""
    path = os.path.join(tree, "tests", "integration", "integration_config.yml")
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(EXECUTION_MODES[mode], handle)  # JSON is YAML


if __name__ == "__main__":
    try:
        sys.exit(main())
    except subprocess.CalledProcessError as failed:
        sys.exit(f"ansible_test.py: {' '.join(failed.cmd)} failed (exit {failed.returncode})")
