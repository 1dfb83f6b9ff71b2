"""A local Assistants-compatible API server (see README.md beside this file)."""

from .faults import Fault
from .server import AssistantsServer

__all__ = ["AssistantsServer", "Fault"]
