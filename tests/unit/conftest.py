from __future__ import annotations

import json
from typing import Any, Callable

import pytest
from ansible.module_utils import basic
from ansible.module_utils.common import warnings as ansible_warnings

from ansible_collections.seed.openai.plugins.module_utils import _backoff


class ModuleResult(dict):
    """What a module printed, with its exit code."""

    @property
    def failed(self) -> bool:
        return bool(self.get("failed"))


@pytest.fixture
def waits(monkeypatch) -> list[float]:
    """Retry waits, recorded instead of slept."""
    recorded: list[float] = []
    monkeypatch.setattr(_backoff, "pause", recorded.append)
    return recorded


@pytest.fixture
def run_module(monkeypatch, capsys, waits) -> Callable[..., ModuleResult]:
    """Call a module's main() as Ansible would, with `args` as the task's
    arguments (and `_ansible_check_mode` etc.), and return its JSON result."""

    def run(main: Callable[[], None], args: dict[str, Any]) -> ModuleResult:
        payload = json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode()
        monkeypatch.setattr(basic, "_ANSIBLE_ARGS", payload)
        monkeypatch.setattr(basic, "_ANSIBLE_PROFILE", "legacy", raising=False)
        # Warnings are process-global in Ansible; each task starts without any.
        ansible_warnings._global_warnings.clear()
        ansible_warnings._global_deprecations.clear()
        with pytest.raises(SystemExit) as exited:
            main()
        out = capsys.readouterr().out
        result = ModuleResult(json.loads(out))
        assert (exited.value.code != 0) == result.failed, out
        return result

    return run
