"""Run ansible-test (sanity, units) on one ansible-core version, offline-safe.

    python tools/ansible_test.py --core 2.19 --python 3.11 sanity units

For each ansible-core version it keeps a virtual environment under
.build/ansible-test/, copies the collection's tracked files into an
ansible_collections/seed/openai tree there, and runs ansible-test with
--venv. ansible-test bootstraps pip in its virtual environments with a
get-pip.py script from a host this machine cannot reach; it looks in its
cache first, so this seeds the cache with a bootstrap that uses ensurepip
and installs the pinned pip from the package index instead.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile

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
    for version in versions:
        with open(os.path.join(cache, f"get_pip_{version.replace('.', '_')}.py"), "w", encoding="utf-8") as handle:
            handle.write(BOOTSTRAP.format(ca=CA_BUNDLE))


def copy_collection(core: str) -> str:
    """The tracked (and new, unignored) files, at ansible_collections/seed/openai."""
    # Outside the repository: inside it, ansible-test would list files with git,
    # which ignores .build/, and find nothing to test.
    # One tree per checkout, so that two clones can run their checks at once.
    checkout = hashlib.sha1(ROOT.encode()).hexdigest()[:10]
    target = os.path.join(
        tempfile.gettempdir(),
        f"seed-openai-ansible-test-{checkout}",
        f"tree-{core}",
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
    parser.add_argument("tests", nargs="+", choices=["sanity", "units"])
    args = parser.parse_args()

    python = find_python(args.python)
    venv = prepare_venv(args.core, python)
    seed_pip_bootstrap(venv)
    tree = copy_collection(args.core)
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
        run(command, cwd=tree, env=env)
    return 0


if __name__ == "__main__":
    sys.exit(main())
