"""Reading a file under a budget of time and memory, in a child process.

The format libraries (python-docx, BeautifulSoup and lxml, pypdf, markdown-it,
charset-normalizer) and the cleaning rules run in a worker process of their own, started once
and reused for every file (and every ingest of this process). The worker limits its own
memory (`RLIMIT_AS`) and processor time (`RLIMIT_CPU`), and the ingest waits for each answer
no longer than `MAX_PARSE_SECONDS`: a file that needs more is rejected with the reason, the
worker is replaced, and the other files are read as usual. So the worst file costs seconds
and a bounded amount of memory, never the ingest lock for hours.

`load` and `clean` have the signatures of `ingest.load.load` and `ingest.clean.clean`; the
worker runs those (`_serve`), importing this same source tree whatever the current folder.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from kb.errors import RejectedFile

# A real document reads in well under a second (a 300-page PDF in a few); past this a file
# is a bomb or a dump, and it would hold the ingest lock while others wait.
MAX_PARSE_SECONDS = 30
# Memory a worker may use on top of what it holds after start-up: 15 times the largest text
# the KB takes (3,000,000 characters); a 50 MB one-line HTML page wanted 3.7 GB.
MAX_PARSE_MB = 1024
# Starting the worker (a Python that imports the format libraries) takes about a second.
WORKER_START_SECONDS = 60
_HEADER = struct.Struct("!Q")  # the length of each pickled message, before it
_ROOT = str(Path(__file__).resolve().parents[1])  # the worker imports this same code


class ParseFailed(Exception):
    """A surprise inside the worker, named by the exception it raised there."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def load(path: Path, data: bytes | None = None):
    """`ingest.load.load` in the worker, under the budget (raises `RejectedFile`)."""
    return _call(path, "load", (str(path), data))


def clean(text: str, path: Path | str = "") -> list:
    """`ingest.clean.clean` in the worker, under the budget (raises `RejectedFile`)."""
    return _call(Path(path), "clean", (text,))


def _call(path: Path, job: str, args: tuple) -> Any:
    """One job in the worker; the file is rejected when the job breaks the budget."""
    with _LOCK:
        outcome, value = _WORKER.run(job, args, MAX_PARSE_SECONDS, MAX_PARSE_MB)
    if outcome == "ok":
        return value
    if outcome == "rejected":
        raise RejectedFile(str(path), value)
    if outcome == "recursion":
        raise RecursionError(value)
    if outcome == "error":
        raise ParseFailed(*value)
    raise RejectedFile(str(path), value)  # over the budget, or the worker died


class _Worker:
    """The child process, started when first needed and again after it was stopped."""

    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None

    def run(self, job: str, args: tuple, seconds: float, megabytes: int) -> tuple[str, Any]:
        """(outcome, value): ("ok", result), ("rejected" | "recursion", reason),
        ("error", (kind, message)), or ("budget", reason) when the job broke the budget."""
        message = pickle.dumps((job, args, seconds, megabytes), pickle.HIGHEST_PROTOCOL)
        for attempt in range(2):  # a worker that died between files is replaced once
            try:
                process = self.started()
            except (OSError, EOFError, TimeoutError):
                self.stop()
                return "budget", "the reading process could not be started"
            try:
                _send(process.stdin, message)
                break
            except (BrokenPipeError, OSError):
                self.stop()
                if attempt:
                    return "budget", "the reading process could not be started"
        deadline = time.monotonic() + seconds
        try:
            reply = _receive(process.stdout, deadline)
        except TimeoutError:
            self.stop()
            return "budget", f"took longer than {seconds:g} s to parse; split the document"
        except EOFError:
            code = self.stop()
            if code in (-signal.SIGXCPU, -signal.SIGKILL):
                return "budget", f"took longer than {seconds:g} s to parse; split the document"
            return "budget", f"the reading process stopped ({_signal_name(code)})"
        outcome, value = pickle.loads(reply)
        if outcome == "memory":
            self.stop()  # a fresh worker: the old one's heap is left in pieces
            return "budget", f"needed more than {megabytes:,} MB of memory to parse"
        return outcome, value

    def started(self) -> subprocess.Popen:
        if self.process is None or self.process.poll() is not None:
            serve = (
                f"import sys; sys.path.insert(0, {_ROOT!r}); import ingest.budget as b; b._serve()"
            )
            self.process = subprocess.Popen(
                [sys.executable, "-c", serve],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
            # ready once its libraries are imported: that time is not a file's
            _receive(self.process.stdout, time.monotonic() + WORKER_START_SECONDS)
        return self.process

    def stop(self) -> int | None:
        """Kill the worker (if it still runs) and return how it ended."""
        process, self.process = self.process, None
        if process is None:
            return None
        if process.poll() is None:
            process.kill()
        for pipe in (process.stdin, process.stdout):
            with contextlib.suppress(OSError):
                pipe.close()
        return process.wait()


def _send(pipe, message: bytes) -> None:
    pipe.write(_HEADER.pack(len(message)))
    pipe.write(message)
    pipe.flush()


def _receive(pipe, deadline: float) -> bytes:
    """One message from the worker, waiting until `deadline` at most."""
    fd = pipe.fileno()
    header = _read_exactly(fd, _HEADER.size, deadline)
    return _read_exactly(fd, _HEADER.unpack(header)[0], deadline)


def _read_exactly(fd: int, size: int, deadline: float) -> bytes:
    parts, left = [], size
    while left:
        wait = deadline - time.monotonic()
        if wait <= 0 or not select.select([fd], [], [], wait)[0]:
            raise TimeoutError
        part = os.read(fd, min(left, 1 << 20))
        if not part:
            raise EOFError
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def _signal_name(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return signal.Signals(-code).name
        except ValueError:
            pass
    return f"exit status {code}"


_WORKER = _Worker()
_LOCK = threading.Lock()  # one job at a time: the page may ingest from several threads
atexit.register(_WORKER.stop)


# ------------------------------------------------------------------------------ the worker


def _serve() -> None:
    """The worker's loop: one job in, one answer out, on stdin and the real stdout."""
    import resource

    from ingest.clean import clean as clean_text
    from ingest.load import load as load_file

    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # a library that prints must not write into the answers
    jobs = {"load": lambda path, data: load_file(Path(path), data), "clean": clean_text}
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    base = _address_space()
    stdin = sys.stdin.buffer
    _send(out, pickle.dumps(("ready", None)))
    while True:
        header = stdin.read(_HEADER.size)
        if len(header) < _HEADER.size:
            return
        job, args, seconds, megabytes = pickle.loads(stdin.read(_HEADER.unpack(header)[0]))
        used = resource.getrusage(resource.RUSAGE_SELF)
        cpu = int(used.ru_utime + used.ru_stime + seconds) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, resource.RLIM_INFINITY))
        memory = base + megabytes * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (memory, resource.RLIM_INFINITY))
        try:
            answer: tuple = ("ok", jobs[job](*args))
        except MemoryError:
            answer = ("memory", None)
        except RejectedFile as exc:
            answer = ("rejected", exc.reason)
        except RecursionError as exc:
            answer = ("recursion", str(exc))
        except Exception as exc:  # noqa: BLE001 - one file's surprise is reported, not fatal
            answer = ("error", (type(exc).__name__, str(exc)))
        args = None
        try:
            reply = pickle.dumps(answer, pickle.HIGHEST_PROTOCOL)
        except MemoryError:
            reply = pickle.dumps(("memory", None))
        _send(out, reply)


def _address_space() -> int:
    """The worker's own virtual memory now, in bytes."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
