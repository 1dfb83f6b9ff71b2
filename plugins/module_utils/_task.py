# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a module's core gets and gives back, whichever shell runs it.

A core is a plain function `core(task) -> result`: it reads the validated
options from `task.params`, asks `task.client()` for the HTTP client, honours
`task.check_mode`, reports through `task.warn()`, and returns the result
(`changed`, the registered keys, `ansible_facts`, `diff`). It raises
OpenAIError to fail; `run_core()` turns that into the failed result, and
any other exception into a failed result that carries its traceback, with
the task's secrets blanked out, under `exception` (as AnsibleModule does).
The module (on the target) and the action plugin (in-process on the
controller) are two thin shells around the same call. Plain Python.
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from typing import Any, Callable, Optional

from ._api.base import WireAPI
from ._client import DEFAULT_API_BASE, OpenAIClient, redact_url
from ._connection import settings_from_options
from ._errors import APIError, NotCarried, OpenAIError
from ._once import new_marker
from ._secrets import Secrets

# The options whose values a traceback must not show, whether or not a client was built.
SECRET_OPTIONS = ("api_key", "entra_token")
SECRET_MAPPINGS = ("headers", "query")

Result = dict[str, Any]


class Task:
    """One task's options and surroundings, as a core sees them."""

    def __init__(
        self,
        params: Mapping[str, Any],
        check_mode: bool = False,
        client_factory: Optional[Callable[[Task], OpenAIClient]] = None,
        api_base_from: Optional[str] = None,
    ) -> None:
        self.params: dict[str, Any] = dict(params)
        # Where api_base came from (the option, an environment variable, the
        # default), as the shell saw it before Ansible applied the fallbacks.
        self.api_base_from = api_base_from
        self.check_mode = check_mode
        self.warnings: list[str] = []
        self._client_factory = client_factory or new_client
        self._client: Optional[OpenAIClient] = None
        self._api: Optional[WireAPI] = None
        # What the task created or changed so far: a failure after it still returns it.
        self.made: Result = {}
        # Carried in the metadata of what the task creates, so that a lost
        # answer can be told from a creation that did not happen (_once.py).
        self.marker: Optional[str] = new_marker() if self.params.get("creation_marker", True) else None
        # For cores whose run exists once an error carries one (a broken stream
        # of a run that was started): such a failure is a change too.
        self.run_means_changed = False

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def redact(self, text: str) -> str:
        """`text` with this task's secrets blanked out: the client's (key, header
        and query values, proxy and Entra credentials) once it exists, else
        those of the options."""
        if self._client is not None:
            return self._client.redact(text)
        secrets = Secrets(str(self.params.get(name) or "") for name in SECRET_OPTIONS)
        for option in SECRET_MAPPINGS:
            for value in (self.params.get(option) or {}).values():
                secrets.add(str(value))
        return secrets.redact(text)

    def interrupted(self, name: str) -> Optional[str]:
        """The line to leave when the task is stopped by a signal after it made
        something (None if it made nothing): ansible-core no longer reads the
        task's result then, so this is the only trace of what goes on."""
        made = [
            (kind, found)
            for kind, found in self.made.items()
            if isinstance(found, Mapping) and isinstance(found.get("id"), str)
        ]
        if not made:
            return None
        parts = []
        for kind, found in made:
            thread = found.get("thread_id")
            parts.append(f"{kind} {found['id']}" + (f" on thread {thread}" if isinstance(thread, str) else ""))
        marker = f"creation marker {self.marker}" if self.marker else "no creation marker (creation_marker is false)"
        return self.redact(
            f"{name}: interrupted after it made or changed {', '.join(parts)} ({marker}); "
            "it goes on without this task: look it up by its ID, or cancel it"
        )

    def client(self) -> OpenAIClient:
        """The client for this task's connection options (raises InvalidInput).
        Built on first use, so bad input and check mode need no HTTP library."""
        if self._client is None:
            self._client = self._client_factory(self)
            self._client.report = self.warn
            self._client.reset_budget()
            for warning in self._client.warnings():
                self.warn(warning)
        return self._client

    def api(self) -> WireAPI:
        """The wire API the task speaks (option api; auto decides by api_base).
        Choosing it needs no client: options are checked before any is built."""
        if self._api is None:
            from ._api.wire_api import wire_api

            self._api = wire_api(self.params.get("api"), self.params.get("api_base"), self.client, self.warn, self.made)
        return self._api

    def api_choice(self) -> str:
        """Which wire API the task speaks, and why: for a refusal that only
        makes sense once it is known (api: auto with api_base left unset means
        OpenAI's Responses API)."""
        base = self.params.get("api_base") or DEFAULT_API_BASE
        origin = self.api_base_from or ("the default" if not self.params.get("api_base") else "")
        shown = f"api_base {redact_url(base)}" + (f" (from {origin})" if origin else "")
        if (self.params.get("api") or "auto") != "auto":
            return f"The task speaks the {self.params['api'].capitalize()} API to {shown}"
        return (
            f"api is auto, which speaks the Responses API to {shown}; for an Assistants-compatible server, "
            "set api_base to it (or api: assistants)"
        )

    def beside(self) -> Result:
        """The successor's raw objects, to return beside the collection's shapes."""
        return dict(self._api.raw) if self._api is not None else {}


def new_client(task: Task) -> OpenAIClient:
    # The shells have already applied the environment fallbacks.
    return OpenAIClient(settings_from_options(task.params, api_base_from=task.api_base_from))


def failure(error: OpenAIError, task: Task) -> Result:
    """The failed result: the one-line message, the API's error details, and
    whatever the task had made before it failed (changed when it made any)."""
    result: Result = dict(task.made)
    if isinstance(error, APIError):
        result.update(error.as_result())
    if getattr(error, "run", None) is not None:
        result["run"] = error.run  # type: ignore[attr-defined]
    # What a failure reports beside its message (every run of a wait on many).
    result.update(getattr(error, "result", None) or {})
    if isinstance(error, NotCarried):
        error.add_note_to_message(task.api_choice())
    changed = bool(task.made) or (task.run_means_changed and getattr(error, "run", None) is not None)
    result.update(changed=changed, failed=True, msg=str(error))
    return result


def run_core(core: Callable[[Task], Result], task: Task) -> Result:
    """Run a core; a failure becomes the failed result instead of an exception."""
    try:
        result = core(task)
    except OpenAIError as error:
        result = failure(error, task)
    except Exception as error:
        where = error.__traceback__
        while where is not None and where.tb_next is not None:
            where = where.tb_next
        place = f" at {where.tb_frame.f_code.co_filename.rsplit('/', 1)[-1]}:{where.tb_lineno}" if where else ""
        # The message itself may hold secrets: only the (redacted) traceback shows it.
        shown = "-vvv shows it; on ansible-core 2.19 and later, ANSIBLE_DISPLAY_TRACEBACK=error"
        unexpected = OpenAIError(
            f"unexpected {type(error).__name__}{place}; please report it with the traceback ({shown})"
        )
        result = failure(unexpected, task)
        result["exception"] = task.redact("".join(traceback.format_exception(type(error), error, error.__traceback__)))
    result.setdefault("changed", False)
    for key, value in task.beside().items():
        result.setdefault(key, value)
    if task.warnings:
        result["warnings"] = list(task.warnings)
    return result
