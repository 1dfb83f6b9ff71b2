"""Run the local server for at most LIFETIME seconds, then stop it as SIGTERM does:
python serve_for.py LIFETIME [assistants_server options]. The bound holds should the
target that started the server never stop it (an interrupted run)."""

from __future__ import annotations

import os
import signal
import sys
import threading

from assistants_server.__main__ import main

if __name__ == "__main__":
    timer = threading.Timer(float(sys.argv[1]), os.kill, (os.getpid(), signal.SIGTERM))
    timer.daemon = True
    timer.start()
    sys.exit(main(sys.argv[2:]))
