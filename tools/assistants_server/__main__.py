"""Start the local server by hand: PYTHONPATH=tools python -m assistants_server --port 8080"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from .server import AssistantsServer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="assistants_server", description=__doc__)
    parser.add_argument("--port", type=int, default=8080, help="port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--api-key", default="sk-local-test", help="the key clients must send")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    parser.add_argument("--port-file", help="write the chosen port to this file once listening")
    args = parser.parse_args(argv)
    server = AssistantsServer(api_key=args.api_key, port=args.port, verbose=args.verbose).start()
    if args.port_file:
        with open(args.port_file, "w", encoding="utf-8") as handle:
            handle.write(f"{server.port}\n")
    print(f"Assistants-compatible server on {server.api_base} (key: {args.api_key})", flush=True)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    stopped.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
