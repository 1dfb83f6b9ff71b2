"""The execution environment builds as the AWX guide says, offline: `ansible-builder
create` on the one definition, then the steps of the Containerfile it writes that
install the collection and gather its dependencies, run here against a directory that
stands for the image's root (there is no container engine on this machine)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
DEFINITION_DIR = os.path.join(ROOT, "docs", "execution-environment")
GUIDE = os.path.join(ROOT, "docs", "docsite", "rst", "awx.rst")
# Absolute paths inside the image that the steps below use; each maps into the stand-in root.
IMAGE_PATHS = ("/usr/share/ansible", "/output", "/build", "/tmp/src")


def tracked_files() -> list[str]:
    done = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return done.stdout.split()


def guide_section(title: str) -> str:
    with open(GUIDE, encoding="utf-8") as handle:
        text = handle.read()
    match = re.search(rf"^{re.escape(title)}\n-+\n(.*?)(?=^\S[^\n]*\n-+\n|\Z)", text, re.S | re.M)
    assert match, f"awx.rst has no section {title!r}"
    return match.group(1)


def code_blocks(section: str, language: str) -> list[str]:
    """The bodies of the section's `.. code-block:: <language>` blocks, unindented."""
    blocks = []
    for body in re.findall(rf"^\.\. code-block:: {language}\n\n((?:   .*\n|\n)+)", section, re.M):
        blocks.append("\n".join(line[3:] for line in body.rstrip().splitlines()) + "\n")
    return blocks


class Image:
    """A directory standing for the image's root, and the stages' steps run in it."""

    def __init__(self, context: str, root: str) -> None:
        self.context = context
        self.root = root
        self.cwd = root
        with open(os.path.join(context, "Containerfile"), encoding="utf-8") as handle:
            self.lines = [line.rstrip("\n") for line in handle]
        # The build arguments' defaults, as the steps see them.
        self.args = dict(re.findall(r'^ARG (\w+)="(.*)"$', "\n".join(self.lines), re.M))
        self.args["PYCMD"] = sys.executable

    def stage(self, name: str) -> list[str]:
        start = next(i for i, line in enumerate(self.lines) if re.match(rf"FROM \S+ AS {name}$", line))
        end = next((i for i in range(start + 1, len(self.lines)) if self.lines[i].startswith("FROM ")), None)
        return [line for line in self.lines[start + 1 : end] if line and not line.startswith(("#", "ARG", "ENV"))]

    def inside(self, path: str) -> str:
        """Where a path of the image is in the stand-in root (relative: from the WORKDIR)."""
        return self.root + path if path.startswith("/") else os.path.join(self.cwd, path)

    def here(self, command: str) -> str:
        """A RUN command with the image's paths it names moved into the stand-in root."""
        for path in IMAGE_PATHS:
            command = re.sub(rf"(?<![\w/.]){re.escape(path)}(?=[/\"' ]|$)", self.root + path, command)
        return command

    def step(self, line: str, extra: str = "") -> subprocess.CompletedProcess[str]:
        verb, rest = line.split(" ", 1)
        if verb == "COPY":
            words = shlex.split(rest)
            if words[0].startswith("--from="):  # from another stage: one root stands for all stages
                return subprocess.CompletedProcess(line, 0, "", "")
            source, target = os.path.join(self.context, words[0]), self.inside(words[1])
            if os.path.isdir(source):
                shutil.copytree(source, target, dirs_exist_ok=True)
            else:
                os.makedirs(os.path.dirname(target), exist_ok=True)
                shutil.copy2(source, target)
            return subprocess.CompletedProcess(line, 0, "", "")
        if verb == "WORKDIR":
            self.cwd = self.inside(rest)
            os.makedirs(self.cwd, exist_ok=True)
            return subprocess.CompletedProcess(line, 0, "", "")
        assert verb == "RUN", line
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("ANSIBLE_", "PIP_")) and k.lower() not in ("http_proxy", "https_proxy", "all_proxy")
        }
        env.update(self.args)
        env.update(
            PATH=os.pathsep.join([BIN, env.get("PATH", "")]),
            HOME=os.path.join(self.root, "root"),
            # Offline: a Galaxy server that cannot answer, so that any look-up there fails the step.
            ANSIBLE_GALAXY_SERVER="http://127.0.0.1:9/",
            ANSIBLE_NOCOLOR="1",
        )
        return subprocess.run(
            ["bash", "-c", self.here(rest) + extra],
            cwd=self.cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )


@pytest.fixture
def definition(tmp_path, built_collection):
    """The definition's directory as a user has it for an offline build: the tarball beside
    the definition, and requirements.yml as the guide's offline section gives it."""
    folder = tmp_path / "execution-environment"
    shutil.copytree(DEFINITION_DIR, folder)
    shutil.copy(built_collection.tarball, folder)
    (offline,) = [block for block in code_blocks(guide_section("An offline build"), "yaml") if "type: file" in block]
    name = os.path.basename(built_collection.tarball)
    assert f"./{name}" in offline, f"the guide's requirements.yml names another tarball than {name}"
    (folder / "requirements.yml").write_text(offline)
    return folder


def create(folder) -> str:
    done = subprocess.run(
        [
            os.path.join(BIN, "ansible-builder"),
            "create",
            "-f",
            "execution-environment.yml",
            "-c",
            "context",
            "--output-filename",
            "Containerfile",
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return str(folder / "context")


def test_the_definition_is_the_only_one_and_the_guide_names_it():
    definitions = [name for name in tracked_files() if os.path.basename(name).startswith("execution-environment.")]
    assert definitions == ["docs/execution-environment/execution-environment.yml"]
    assert "``docs/execution-environment/execution-environment.yml``" in guide_section("The execution environment")


@pytest.mark.parametrize("foundry", [False, True], ids=["plain", "foundry"])
def test_the_offline_build_installs_the_tarball_and_its_dependencies(definition, tmp_path, foundry):
    if foundry:
        path = definition / "execution-environment.yml"
        text = path.read_text()
        # The guide's Foundry variant: uncomment the python line.
        assert "  # python: requirements-foundry.txt\n" in text
        path.write_text(text.replace("  # python: requirements-foundry.txt\n", "  python: requirements-foundry.txt\n"))
    context = create(definition)
    image = Image(context, str(tmp_path / "image"))

    # The base stage's copies (its RUN steps install Python and ansible-core, which are here).
    for line in image.stage("base"):
        if line.startswith("COPY "):
            image.step(line)
    # The galaxy stage, every step: the collection from the tarball in the build context.
    galaxy = image.stage("galaxy")
    assert any("ansible-galaxy collection install" in line for line in galaxy), galaxy
    for line in galaxy:
        done = image.step(line)
        assert done.returncode == 0, f"{line}\n{done.stdout}{done.stderr}"
    installed = image.inside("/usr/share/ansible/collections/ansible_collections/seed/openai")
    with open(os.path.join(installed, "MANIFEST.json"), encoding="utf-8") as handle:
        assert '"name": "openai"' in handle.read()

    # The builder stage up to its introspection, which gathers the collection's Python and
    # system dependencies with the definition's own (pip installs and assemble need the
    # package index). introspect.py looks in the image's collections path; it is given
    # the stand-in's.
    for line in image.stage("builder"):
        if line.startswith("RUN ") and "introspect.py introspect" not in line:
            continue
        extra = " " + image.inside("/usr/share/ansible/collections") if line.startswith("RUN ") else ""
        done = image.step(line, extra)
        assert done.returncode == 0, f"{line}\n{done.stdout}{done.stderr}"
    with open(image.inside("/tmp/src/requirements.txt"), encoding="utf-8") as handle:
        python = [line.split("#")[0].strip() for line in handle if line.strip()]
    with open(image.inside("/tmp/src/bindep.txt"), encoding="utf-8") as handle:
        system = handle.read()
    assert python[:2] == ["requests>=2.31", "urllib3>=1.26"], python
    assert any(line.startswith("azure-identity") for line in python) is foundry, python
    assert "ca-certificates" in system
