"""Faults a test scripts per request: error statuses, resets, slow answers."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Optional


@dataclass
class Fault:
    """What to do instead of (or after) answering a matching request.

    method/path select requests (path is a regular expression matched against
    the path below /v1; None matches any). The fault applies `times` times.
    """

    method: Optional[str] = None
    path: Optional[str] = None
    times: int = 1
    status: Optional[int] = None
    # "json" (the API's error shape), "html", "text", "empty" or "huge"
    body: str = "json"
    retry_after: Optional[str] = None
    retry_after_ms: Optional[str] = None
    # Close the connection with a TCP reset instead of answering (mid-answer
    # when the request was processed first).
    reset: bool = False
    delay: float = 0.0
    # Process the request (create the run...) before the fault applies.
    after: bool = False
    # For a streamed answer: "break" stops it halfway without [DONE], "error"
    # sends an error event after the first event.
    stream: Optional[str] = None

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method != method:
            return False
        return self.path is None or re.fullmatch(self.path, path) is not None


class FaultPlan:
    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault | None = None, **fields: object) -> Fault:
        fault = fault or Fault(**fields)  # type: ignore[arg-type]
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.times > 0 and fault.matches(method, path):
                    fault.times -= 1
                    return fault
        return None

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
