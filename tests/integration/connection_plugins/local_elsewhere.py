# Test-only connection: runs commands on this machine as `local` does, but is
# not `local`, so the collection treats the host as remote and runs its modules
# there as modules (AnsiballZ), never in-process.
from __future__ import annotations

from ansible.plugins.connection.local import Connection as LocalConnection

DOCUMENTATION = """
name: local_elsewhere
short_description: A stand-in for a remote connection (tests only)
description: Executes on this machine like local, under another transport name.
author: seed.openai contributors (@seed-openai)
"""


class Connection(LocalConnection):
    transport = "local_elsewhere"
