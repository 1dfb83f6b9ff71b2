"""Local stand-ins for the Microsoft Entra token services azure-identity talks to
(managed identity endpoints, and optionally an https authority)."""

from .server import EntraStandin
from .tokens import Issue, TokenMint

__all__ = ["EntraStandin", "Issue", "TokenMint"]
