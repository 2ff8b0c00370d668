"""A whole brief with no NLTK data and no network: nothing is downloaded, nothing connects."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, SEEDS

GUARD = r"""
import json, sys
events = []
NETWORK = {"socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.sendto",
           "urllib.Request", "http.client.connect", "ftplib.connect", "smtplib.connect"}
def guard(event, args):
    if event in NETWORK:
        events.append([event, repr(args)[:200]])
        raise PermissionError(f"network access blocked in test: {event}")
    if event == "open" and args and "nltk_data" in str(args[0]):
        events.append([event, str(args[0])])
sys.addaudithook(guard)
from digest.cli import main
code = main(sys.argv[1:])
with open(sys.argv[0] + ".events", "w") as f:
    json.dump(events, f)
sys.exit(code)
"""


def test_brief_runs_offline_without_nltk_data(tmp_path: Path) -> None:
    empty = tmp_path / "nltk_data"
    empty.mkdir()
    script = tmp_path / "guarded.py"
    script.write_text(GUARD)
    env = {k: v for k, v in os.environ.items() if not k.endswith("_PROXY")}
    env.update(NLTK_DATA=str(empty), HOME=str(tmp_path), no_proxy="*")
    out = tmp_path / "out"
    result = subprocess.run(
        [
            sys.executable,
            str(script),
            "brief",
            "--input",
            str(SEEDS),
            "--out",
            str(out),
            "--date",
            "2024-07-29",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    events = json.loads(Path(str(script) + ".events").read_text())
    assert events == []
    assert (out / "brief-2024-07-29.pdf").read_bytes().startswith(b"%PDF")
    assert list(empty.iterdir()) == []


def test_the_guard_would_catch_a_connection(tmp_path: Path) -> None:
    script = tmp_path / "probe.py"
    script.write_text(
        GUARD.replace(
            "from digest.cli import main\ncode = main(sys.argv[1:])",
            "import socket\ntry:\n    socket.create_connection(('127.0.0.1', 9), timeout=1)\nexcept OSError:\n    pass\ncode = 0",
        )
    )
    subprocess.run([sys.executable, str(script)], check=True, timeout=60)
    events = json.loads(Path(str(script) + ".events").read_text())
    assert events and events[0][0] in {"socket.getaddrinfo", "socket.connect"}
