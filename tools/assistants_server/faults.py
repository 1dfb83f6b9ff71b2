"""Faults a test scripts per request: error statuses, resets, slow answers."""

from __future__ import annotations

import random
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
    # Answer with a redirect to this URL instead (Location header).
    redirect: Optional[str] = None
    # Set on faults drawn at random by FaultPlan.chaos, for assertions.
    chaos: bool = False

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method != method:
            return False
        return self.path is None or re.fullmatch(self.path, path) is not None


class FaultPlan:
    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._chaos: dict[str, object] | None = None
        self._random = random.Random(0)

    def chaos(
        self,
        status: int,
        probability: float,
        after_share: float = 0.0,
        retry_after_ms: str | None = None,
        seed: int = 0,
    ) -> None:
        """From now on, answer a random share of requests with `status`; of
        those, a share `after_share` only after doing the work."""
        with self._lock:
            self._random = random.Random(seed)
            self._chaos = {
                "status": status,
                "probability": probability,
                "after_share": after_share,
                "retry_after_ms": retry_after_ms,
            }

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
            chaos = self._chaos
            if chaos is not None and self._random.random() < chaos["probability"]:
                return Fault(
                    status=chaos["status"],
                    retry_after_ms=chaos["retry_after_ms"],  # type: ignore[arg-type]
                    after=self._random.random() < chaos["after_share"],
                    chaos=True,
                )  # type: ignore[operator]
        return None

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self._chaos = None
