"""Start the local server by hand: PYTHONPATH=tools python -m assistants_server --port 8080 [--mode compat]

Modes: openai (OpenAI's Assistants API under /v1), compat (a third-party
compatible server under --prefix, default /api/v2), foundry (Azure AI Foundry
classic agents under /api/projects/<--project>; every request needs
?api-version=v1 or 2025-05-15-preview, and a bearer token: the --api-key, or an
Entra ID token from the local stand-in it starts (its managed identity or a
service principal; it prints the variables to export; --no-entra: none).
Every mode also serves OpenAI's Conversations + Responses API (in foundry mode
under .../openai/v1 and .../openai, beside the new agents under .../agents).
"""

from __future__ import annotations

import argparse
import errno
import signal
import sys
import threading
from typing import TYPE_CHECKING

from .modes import FOUNDRY_API_VERSIONS, MODES
from .responses_api import NEW_AGENTS_API_VERSIONS
from .server import AssistantsServer

if TYPE_CHECKING:
    from entra_standin.by_hand import LocalSignIn


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="assistants_server", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, default=8080, help="port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--api-key", default="sk-local-test", help="the key (foundry: bearer token) clients must send")
    parser.add_argument("--mode", choices=MODES, default="openai", help="which kind of server to be (default openai)")
    parser.add_argument("--prefix", help="URL path to serve under (openai: /v1, compat: /api/v2)")
    parser.add_argument("--project", default="demo", help="foundry: the project in /api/projects/<project>")
    parser.add_argument("--poll-after-ms", type=int, help="send openai-poll-after-ms with this value on every answer")
    parser.add_argument(
        "--run-seconds", type=float, help="runs and background responses end this many seconds after they start"
    )
    parser.add_argument(
        "--no-thread-and-run",
        action="store_true",
        help='answer POST /threads/runs 404 "thread not found", as servers without the one-call form do',
    )
    parser.add_argument(
        "--messages-during-run", action="store_true", help="accept a message while a run of its thread is active"
    )
    parser.add_argument("--verbose", action="store_true", help="log every request")
    parser.add_argument("--port-file", help="write the chosen port to this file once listening")
    parser.add_argument(
        "--no-entra", action="store_true", help="foundry: no Entra ID stand-in; only the --api-key is accepted"
    )
    args = parser.parse_args(argv)
    if args.mode == "foundry" and args.prefix is not None:
        parser.error("--prefix does not apply to --mode foundry: give --project instead")
    signin = start_entra(args)
    try:
        server = AssistantsServer(
            api_key=args.api_key,
            port=args.port,
            verbose=args.verbose,
            mode=args.mode,
            prefix=args.prefix,
            project=args.project,
            poll_after_ms=args.poll_after_ms,
            token_check=None
            if signin is None
            else lambda token: None if token == args.api_key else signin.check(token),
            thread_and_run=not args.no_thread_and_run,
            messages_during_run=args.messages_during_run,
            run_seconds=args.run_seconds,
        ).start()
    except OSError as error:
        if signin is not None:
            signin.stop()
        if error.errno != errno.EADDRINUSE:
            raise
        print(
            f"assistants_server: port {args.port} on 127.0.0.1 is already in use; "
            "start it on another port: make server PORT=9000 (or --port 9000)",
            file=sys.stderr,
        )
        return 1
    if args.port_file:
        with open(args.port_file, "w", encoding="utf-8") as handle:
            handle.write(f"{server.port}\n")
    print(f"Assistants-compatible server on {server.api_base} (mode: {args.mode}, key: {args.api_key})", flush=True)
    switches = [
        *(["no POST /threads/runs (404 thread not found)"] if args.no_thread_and_run else []),
        *(["messages accepted during runs"] if args.messages_during_run else []),
    ]
    if switches:
        print(f"switches: {'; '.join(switches)}", flush=True)
    print(f"api_base: {server.api_base}", flush=True)
    if args.mode == "foundry":
        print(f"api-version: one of {', '.join(FOUNDRY_API_VERSIONS)}", flush=True)
        print(f"new agents and /openai routes: api-version one of {', '.join(NEW_AGENTS_API_VERSIONS)}", flush=True)
    if signin is not None:
        print("\n".join(signin.instructions()), flush=True)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    stopped.wait()
    server.stop()
    if signin is not None:
        signin.stop()
    return 0


def start_entra(args: argparse.Namespace) -> LocalSignIn | None:
    """In Foundry mode, the Entra ID stand-in (tools/entra_standin), running; else None."""
    if args.mode != "foundry" or args.no_entra:
        return None
    from entra_standin.by_hand import LocalSignIn

    return LocalSignIn().start()


if __name__ == "__main__":
    sys.exit(main())
