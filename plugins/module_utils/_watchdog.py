# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A time limit for the part of a call that socket timeouts cannot bound.

A socket timeout bounds each read, not their sum: a server that trickles its
status line and headers a byte at a time could hold a call for hours. The
watch learns which connection each attempt takes from urllib3's pools and,
when the attempt's time is up, shuts that connection's socket down. The read
blocked on it then ends, and the client reports the time-out. Plain Python:
it works on the pool manager it is given and imports neither requests nor urllib3.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from typing import Any, Callable, Optional


class ConnectionWatch:
    # Until a connection has its socket (name lookup, connect), the cut is tried again this often.
    RETRY_SECONDS = 0.05

    def __init__(self, attempt_end: Callable[[], Optional[float]]) -> None:
        """attempt_end: called as each attempt takes its connection; the
        time.monotonic() value it must be done by, or None for no limit."""
        self._attempt_end = attempt_end
        self._timer: Optional[threading.Timer] = None
        # Each attempt and each stop gets a new number, checked under the lock
        # by a cut about to happen: once stop() returns, no cut can follow.
        self._lock = threading.Lock()
        self._attempt = 0
        self.cut = False

    def watch(self, manager: Any) -> Any:
        """The urllib3 pool manager, its future pools made to report each
        connection they hand out and each one they get back."""
        watch = self

        def watched(pool_class: Any) -> Any:
            class WatchedPool(pool_class):  # type: ignore[misc,valid-type]
                def _get_conn(self, timeout: Optional[float] = None) -> Any:
                    conn = super()._get_conn(timeout)
                    watch.started(conn)
                    return conn

                def _put_conn(self, conn: Any) -> None:
                    # Back in the pool (a retry about to wait, or the call done): not this attempt's any more.
                    watch.stop()
                    super()._put_conn(conn)

            # urllib3 names the pool's class in some of its messages.
            WatchedPool.__name__ = WatchedPool.__qualname__ = pool_class.__name__
            return WatchedPool

        manager.pool_classes_by_scheme = {
            scheme: watched(pool_class) for scheme, pool_class in manager.pool_classes_by_scheme.items()
        }
        return manager

    def started(self, conn: Any) -> None:
        end = self._attempt_end()
        with self._lock:
            self._cancel()
            self.cut = False
            if end is not None:
                self._arm(max(end - time.monotonic(), 0.0), conn)

    def reset(self) -> None:
        with self._lock:
            self._cancel()
            self.cut = False

    def stop(self) -> None:
        with self._lock:
            self._cancel()

    def _cancel(self) -> None:
        self._attempt += 1
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _arm(self, seconds: float, conn: Any) -> None:
        self._timer = threading.Timer(seconds, self._cut, (conn, self._attempt))
        self._timer.daemon = True
        self._timer.start()

    def _cut(self, conn: Any, attempt: int) -> None:
        with self._lock:
            if attempt != self._attempt:
                return
            sock = getattr(conn, "sock", None)
            # TLS through a TLS proxy wraps the socket in urllib3's SSLTransport.
            while sock is not None and not isinstance(sock, socket.socket):
                sock = getattr(sock, "socket", None)
            if sock is None:
                # Still looking the name up or connecting: cut as soon as there is a socket.
                self._arm(self.RETRY_SECONDS, conn)
                return
            self.cut = True
            # socket.socket's own shutdown: SSLSocket's would also drop its TLS
            # state under the reading thread.
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)


def watched_adapter(adapter_class: Any, watch: ConnectionWatch) -> Any:
    """A requests HTTPAdapter (of adapter_class) whose pools, proxied ones included, report to watch."""

    class WatchedAdapter(adapter_class):  # type: ignore[misc,valid-type]
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            watch.watch(self.poolmanager)

        def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
            known = proxy in self.proxy_manager
            manager = super().proxy_manager_for(proxy, **kwargs)
            return manager if known else watch.watch(manager)

    return WatchedAdapter()
