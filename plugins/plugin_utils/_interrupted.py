# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What an in-process task leaves when Ctrl-C or SIGTERM stops the playbook.

ansible-core stops reading task results once interrupted, so a run the task
started (which goes on) cannot be named in its result: while the core runs,
a signal makes the task write one line to the controller's standard error,
naming what it made and its creation marker (Task.interrupted()), before the
signal goes on to ansible-core's own handling, which ends the worker.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any, Optional

from ansible_collections.seed.openai.plugins.module_utils._task import Task

INTERRUPTING = (signal.SIGINT, signal.SIGTERM)


def _controller_stderr() -> Optional[int]:
    """A copy of the controller's standard error, taken when ansible-playbook
    imports the plugin, before it forks a worker per task: ansible-core 2.17
    and later point a worker's own standard error at /dev/null."""
    try:
        return os.dup(2)  # not inherited by the commands a worker runs (close-on-exec)
    except OSError:
        return None


CONTROLLER_STDERR = _controller_stderr()


def _libc() -> Any:
    # ansible-core's display loads the C library already (for wcswidth): this costs nothing.
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True)
    except (ImportError, OSError):
        return None


LIBC = _libc() if sys.platform.startswith("linux") else None
PR_SET_PDEATHSIG = 1


def end_with_controller() -> None:
    """Have the kernel send this worker SIGTERM when the controller process
    ends (Linux). ansible-core 2.16 does not pass a SIGTERM sent to
    ansible-playbook on to its workers: without this, a worker would go on
    waiting, unseen, after the playbook was stopped."""
    if LIBC is not None:
        LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


@contextmanager
def trace_on_interrupt(task: Task, name: str) -> Iterator[None]:
    """While the task runs: on SIGINT or SIGTERM, write Task.interrupted()'s
    line (what the task made, and its marker) to the controller's standard
    error, then hand the signal on to what ansible-core set up (which ends the
    worker). ansible-core stops reading task results once interrupted, so the
    result cannot carry it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.getsignal(signum) for signum in INTERRUPTING}

    def restore() -> None:
        for signum, handler in previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)

    def interrupted(signum: int, frame: Optional[FrameType]) -> None:
        restore()
        line = task.interrupted(name)
        if line is not None:
            write_to_controller(line)
        handler = previous[signum]
        if callable(handler):
            handler(signum, frame)
        elif handler != signal.SIG_IGN:
            os.kill(os.getpid(), signum)

    for signum in INTERRUPTING:
        signal.signal(signum, interrupted)
    end_with_controller()
    try:
        yield
    finally:
        restore()


def write_to_controller(line: str) -> None:
    data = (line.replace("\n", " ") + "\n").encode("utf-8", errors="replace")
    for fd in (CONTROLLER_STDERR, 2):
        if fd is None:
            continue
        try:
            os.write(fd, data)
            return
        except OSError:
            continue
