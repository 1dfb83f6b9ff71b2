# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Entra ID access tokens kept between processes, so the tasks of a playbook run
(each one a new worker process or module) sign in once per credential: plain Python.

One file a credential, in a directory only its user can read ($XDG_CACHE_HOME or
~/.cache, then seed.openai/): the name is a SHA-256 of what identifies the
credential, the content the token and when it lapses. Files are replaced whole
(a rename), read only when they belong to this user and nobody else can read
them, and a token is never handed out past its expiry. Every failure to read or
write means "no cache": the caller signs in as it would without one."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Optional

try:
    import fcntl
except ImportError:  # not POSIX: no lock, concurrent first sign-ins stay possible
    fcntl = None  # type: ignore[assignment]

# off (or false, no, 0) turns the cache off; an absolute path puts it there.
SWITCH = "SEED_OPENAI_TOKEN_CACHE"
OFF = frozenset(["off", "false", "no", "0", "none", "disabled"])
DIRECTORY = "seed.openai"
FORMAT = 1
# A worker waits this long for another that is signing in with the same
# credential, then signs in itself.
LOCK_WAIT = 30.0
LOCK_POLL = 0.05
# Entra access tokens live a day at the most: a file untouched for longer holds
# nothing usable and is removed when the next token is written.
STALE_AFTER = 25 * 3600.0
MAX_FILE_SIZE = 64 * 1024


@dataclass
class CachedToken:
    token: str
    # Epoch seconds: when the token lapses, and until when a new worker may use it
    # without signing in (the renewal time the signer chose).
    expires_on: float
    use_until: float
    source_name: str


def cache_key(parts: Mapping[str, Optional[str]]) -> str:
    """The file name of a credential: a SHA-256 of all it is made of, the client
    secret included (a changed secret signs in again), which no name shows."""
    material = json.dumps({"format": FORMAT, **parts}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def cache_directory(environ: Mapping[str, str]) -> Optional[str]:
    """Where the cache lives for this environment, or None when it is off."""
    switch = (environ.get(SWITCH) or "").strip()
    if switch.lower() in OFF:
        return None
    if os.path.isabs(switch):
        return switch
    base = environ.get("XDG_CACHE_HOME") or ""
    if not os.path.isabs(base):  # the XDG spec: a relative value is ignored
        home = environ.get("HOME") or os.path.expanduser("~")
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    return os.path.join(base, DIRECTORY)


def _private(info: os.stat_result) -> bool:
    return info.st_uid == os.geteuid() and not info.st_mode & 0o077


class TokenCache:
    """The token files of one directory (created 0700 when missing)."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self._usable: Optional[bool] = None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Optional[TokenCache]:
        directory = cache_directory(environ)
        return None if directory is None or not hasattr(os, "geteuid") else cls(directory)

    def __repr__(self) -> str:
        return f"TokenCache({self.directory!r})"

    def _path(self, key: str, suffix: str) -> str:
        return os.path.join(self.directory, f"{key}{suffix}")

    def usable(self) -> bool:
        """The directory exists (made if not), is this user's and closed to others."""
        if self._usable is None:
            self._usable = self._prepare()
        return self._usable

    def _prepare(self) -> bool:
        try:
            parent = os.path.dirname(self.directory)
            os.makedirs(parent, mode=0o700, exist_ok=True)
            with suppress(FileExistsError):
                os.mkdir(self.directory, 0o700)
            info = os.lstat(self.directory)
            if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
                return False  # a link, a file, or someone else's: not ours to trust
            if info.st_mode & 0o077:
                os.chmod(self.directory, 0o700)
            return True
        except OSError:
            return False

    def load(self, key: str, now: float) -> Optional[CachedToken]:
        """The token kept for `key` if it has not lapsed; a file that is not this
        user's, that others may read, or that is not a token of ours counts as none."""
        if not self.usable():
            return None
        path = self._path(key, ".json")
        try:
            descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
        except OSError:
            return None
        try:
            info = os.fstat(descriptor)
            if not stat.S_ISREG(info.st_mode) or not _private(info) or info.st_size > MAX_FILE_SIZE:
                return None
            with os.fdopen(descriptor, "rb", closefd=False) as handle:
                data = json.loads(handle.read(MAX_FILE_SIZE + 1))
        except (OSError, ValueError):
            return None
        finally:
            os.close(descriptor)
        entry = _entry(data)
        if entry is None:
            return None
        if now >= entry.expires_on:
            self.drop(key)  # lapsed: gone, so nobody reads it again
            return None
        return entry

    def store(self, key: str, entry: CachedToken) -> None:
        """Keep `entry` for `key`: written beside, then renamed over the old file,
        so a reader sees the old token or the new one, never half of one."""
        if not self.usable():
            return
        data = {
            "format": FORMAT,
            "token": entry.token,
            "expires_on": entry.expires_on,
            "use_until": entry.use_until,
            "source": entry.source_name,
        }
        temporary = None
        try:
            descriptor, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=self.directory)
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(data, handle)
            os.replace(temporary, self._path(key, ".json"))
            temporary = None
        except OSError:
            pass
        finally:
            if temporary is not None:
                with suppress(OSError):
                    os.unlink(temporary)
        self._prune(time.time())

    def drop(self, key: str) -> None:
        with suppress(OSError):
            os.unlink(self._path(key, ".json"))

    @contextmanager
    def locked(self, key: str, wait: float = LOCK_WAIT) -> Iterator[bool]:
        """Hold the sign-in lock of `key` (True), or give up after `wait` seconds
        (False): a worker signing in makes the others wait for its token."""
        descriptor = -1
        held = False
        if fcntl is not None and self.usable():
            with suppress(OSError):
                descriptor = os.open(
                    self._path(key, ".lock"), os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600
                )
        try:
            deadline = time.monotonic() + wait
            while descriptor >= 0 and not held:
                try:
                    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    held = True
                except OSError:
                    if time.monotonic() >= deadline:
                        break
                    time.sleep(LOCK_POLL)
            yield held
        finally:
            if descriptor >= 0:
                os.close(descriptor)  # releases the lock

    def _prune(self, now: float) -> None:
        with suppress(OSError), os.scandir(self.directory) as entries:
            for found in entries:
                if found.name.endswith((".json", ".lock")) and found.is_file(follow_symlinks=False):
                    with suppress(OSError):
                        if now - found.stat(follow_symlinks=False).st_mtime > STALE_AFTER:
                            os.unlink(found.path)


def _entry(data: object) -> Optional[CachedToken]:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return None
    token, expires_on, use_until, source = (data.get(k) for k in ("token", "expires_on", "use_until", "source"))
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (expires_on, use_until))
    if not isinstance(token, str) or not token or any(c.isspace() for c in token) or not numbers:
        return None
    if not isinstance(source, str):
        return None
    return CachedToken(token, float(expires_on), float(use_until), source)  # type: ignore[arg-type]
