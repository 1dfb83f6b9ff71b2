"""The Foundry guide's "Try it locally" works as written: its console commands run in order
in a fresh copy of the repository, the server started as the guide says, the sign-in line
the guide has you copy taken from what the server printed."""

from __future__ import annotations

import os
import re
import shlex

from test_readme import README_SERVER, BackgroundServer, Clone, copy_repository, share_virtualenv, user_env

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GUIDE = os.path.join(ROOT, "docs", "docsite", "rst", "foundry.rst")


def section_commands(title: str) -> list[str]:
    """The `$ ` lines of the section's console blocks, in order."""
    with open(GUIDE, encoding="utf-8") as handle:
        text = handle.read()
    match = re.search(rf"^{re.escape(title)}\n-+\n(.*?)(?=^\S[^\n]*\n-+\n|\Z)", text, re.S | re.M)
    assert match, f"foundry.rst has no section {title!r}"
    return re.findall(r"^   \$ (.+)$", match.group(1), re.M)


def names(export_line: str) -> list[str]:
    return [word.split("=", 1)[0] for word in shlex.split(export_line)[1:]]


def printed_exports(server: BackgroundServer) -> list[str]:
    """The export lines the server prints after its api_base line."""
    found: list[str] = []
    while len(found) < 2:
        line = server.lines.get(timeout=60)
        assert line is not None, f"the server ended:\n{''.join(server.seen)}"
        server.seen.append(line)
        if line.startswith("export "):
            found.append(line.strip())
    return found


def test_try_it_locally_runs_as_written(tmp_path):
    commands = section_commands("Try it locally")
    assert commands[:2] == ["make collection", "make server MODE=foundry"], commands
    path = str(tmp_path / "seed.openai")
    copy_repository(path)
    share_virtualenv(path)
    shims = tmp_path / "shims"
    shims.mkdir()
    clone = Clone(path, user_env(str(shims), os.path.join(path, ".venv", "bin")))

    server: BackgroundServer | None = None
    try:
        for line in commands:
            if line.startswith("make server"):
                server = BackgroundServer(line, clone)
                api_base = server.api_base()
                port = api_base.split("://", 1)[1].split("/", 1)[0]
                exports = printed_exports(server)
                continue
            if server is not None:
                if "<" in line:  # the line the guide has you copy from the server's output
                    (line,) = [printed for printed in exports if names(printed) == names(line)]
                line = line.replace(README_SERVER, port)
            clone.run(line)
    finally:
        stopped = server.stop() if server is not None else None

    assert server is not None and stopped, "the server did not start, or did not stop on Ctrl-C"
    assert api_base.endswith("/api/projects/demo")
    output = clone.outputs[-1][1]
    assert '"msg": "MCP tool ran: learn.microsoft_docs_search"' in output, output[-3000:]
    assert '"assistant_run_answer": "MCP tool ran: learn.microsoft_docs_search' in output, output[-3000:]
    # Signed in through the managed identity the guide exports, and nothing else.
    assert set(clone.env) >= {"IDENTITY_ENDPOINT", "IDENTITY_HEADER"}
    assert not {"OPENAI_API_KEY", "AZURE_CLIENT_SECRET"} & set(clone.env)
