"""Entra ID sign-in for the local server in Foundry mode, started by hand
(make server MODE=foundry): the stand-in's managed identity endpoint, and its
authority with one service principal, and the `export` lines that point
azure-identity at them."""

from __future__ import annotations

import secrets
import shlex
from typing import Optional

from .server import EntraStandin

AUDIENCE = "https://ai.azure.com"
# Fixed, so that the lines stay the same from one start to the next; the secret is new each time.
TENANT_ID = "00000000-0000-4000-8000-00000000a1fe"
CLIENT_ID = "00000000-0000-4000-8000-0000000c11e7"


def export_line(variables: dict[str, str]) -> str:
    return "export " + " ".join(f"{name}={shlex.quote(value)}" for name, value in variables.items())


class LocalSignIn:
    """The stand-in, running, with the tokens it issues checked for the Foundry audience.

    `managed_identity` and `service_principal` are the variables of each way to sign in;
    `check(token)` is None for a valid token it issued, else why it is refused."""

    def __init__(self) -> None:
        self.standin = EntraStandin(authority=True)
        self.client_secret = secrets.token_urlsafe(24)
        self.standin.add_app(TENANT_ID, CLIENT_ID, client_secret=self.client_secret)

    def start(self) -> LocalSignIn:
        self.standin.start()
        return self

    def stop(self) -> None:
        self.standin.stop()

    def check(self, token: str) -> Optional[str]:
        return self.standin.check(token, AUDIENCE)

    @property
    def managed_identity(self) -> dict[str, str]:
        """What App Service sets for its managed identity (azure-identity's ManagedIdentityCredential)."""
        return self.standin.environ()

    @property
    def service_principal(self) -> dict[str, str]:
        """A client secret sign-in at the stand-in's authority, trusted through its CA."""
        assert self.standin.ca_bundle is not None
        return {
            "AZURE_AUTHORITY_HOST": self.standin.authority_host,
            "REQUESTS_CA_BUNDLE": self.standin.ca_bundle,
            "AZURE_TENANT_ID": TENANT_ID,
            "AZURE_CLIENT_ID": CLIENT_ID,
            "AZURE_CLIENT_SECRET": self.client_secret,
        }

    def instructions(self) -> list[str]:
        """What make server prints: each way to sign in, as one line to paste into a shell."""
        return [
            "Entra ID sign-in (auth_type: entra): in the shell that runs Ansible, export either a managed identity:",
            export_line(self.managed_identity),
            "or a service principal (as AWX's Microsoft Azure Resource Manager credential gives one):",
            export_line(self.service_principal),
        ]
