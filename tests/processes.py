"""What the tests of real processes read of them on Linux: /proc and ports. No waiting here;
each test polls these against its own deadline."""

from __future__ import annotations

import socket
from pathlib import Path


def stat(pid: int) -> tuple[str, str, int] | None:
    """(name, state, parent pid) from /proc, or None once the process is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    name = text[text.index("(") + 1 : text.rindex(")")]
    state, ppid = text[text.rindex(")") + 2 :].split()[:2]
    return name, state, int(ppid)


def children(pid: int) -> list[tuple[int, str]]:
    """(pid, name) of the living children of `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        s = stat(int(entry.name)) if entry.name.isdigit() else None
        if s is not None and s[2] == pid and s[1] not in {"Z", "X"}:
            found.append((int(entry.name), s[0]))
    return found


def dead(pid: int) -> bool:
    """Gone, or a zombie nobody has reaped yet (a re-parented child of PID 1)."""
    s = stat(pid)
    return s is None or s[1] in {"Z", "X"}


def closed(port: int) -> bool:
    """Nothing listens on 127.0.0.1:port."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return True
    return False
