"""Starting and stopping the confined worker process.

The worker gets: its own session (process group) so every process it starts can be killed at
once; a scratch directory as its working directory and HOME; an environment holding nothing of the
grader's; resource limits (address space, file size, open files, core dumps, a CPU-time
backstop); stdout/stderr sent to a size-limited log in the scratch directory, never to the
grader's output. Each protection that was applied is recorded in ``protections`` so reports can
say what was active; stronger confinement (another user, namespaces, Landlock, seccomp) plugs in
as further entries of ``_PROTECTIONS``.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from grader import codec

OUTPUT_LIMIT = 8 * 1024 * 1024  # bytes a worker may write to files, its log included
CPU_BACKSTOP = 15 * 60  # seconds of CPU for one worker's whole life


@dataclass(frozen=True)
class WorkerSpec:
    """What a worker needs to start: the student's source and the limits to apply."""

    source: str
    module: str
    allowed_imports: tuple[str, ...]
    memory_mb: int = 1024


@dataclass
class WorkerProcess:
    """A running worker: its process, its end of the socket, and its scratch directory."""

    proc: subprocess.Popen
    sock: socket.socket
    scratch: Path
    protections: list[str] = field(default_factory=list)
    reader: "codec.Reader" = None

    def __post_init__(self) -> None:
        if self.reader is None:
            self.reader = codec.Reader(self.sock)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def exit_description(self) -> str:
        code = self.proc.poll()
        if code is None:
            return "still running"
        if code < 0:
            try:
                return f"killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"exit code {code}"

    def output_tail(self, limit: int = 2000) -> str:
        """The end of what the student's code printed (for diagnostics; never parsed)."""
        try:
            with open(self.scratch / "output.log", "rb") as fh:
                fh.seek(0, os.SEEK_END)
                fh.seek(max(0, fh.tell() - limit))
                return fh.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def kill(self) -> None:
        """Kill the worker and everything in its process group, then remove its scratch directory."""
        try:
            self.sock.close()
        except OSError:
            pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL cannot be ignored
            pass
        shutil.rmtree(self.scratch, ignore_errors=True)


def _scrubbed_env(scratch: Path) -> dict[str, str]:
    """Nothing of the grader's environment: tokens, paths and CI secrets stay out of the worker."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(scratch),
        "TMPDIR": str(scratch),
        "LANG": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        # One BLAS thread: deterministic sums, no thread pools eating the address-space limit.
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }


def _limits(memory_mb: int):
    def apply() -> None:  # runs in the child between fork and exec
        mem = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_FSIZE, (OUTPUT_LIMIT, OUTPUT_LIMIT))
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))
        resource.setrlimit(resource.RLIMIT_CPU, (CPU_BACKSTOP, CPU_BACKSTOP + 5))
        # Writing past the file-size limit fails with EFBIG instead of killing the worker.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

    return apply


_PROTECTIONS = [
    "separate process (student code never runs in the grader)",
    "own process group, killed when grading ends",
    "scrubbed environment",
    "scratch working directory",
    "rlimits: address space, file size, open files, CPU backstop",
    "wall-clock limit per call and per test",
]


def start_worker(spec: WorkerSpec) -> WorkerProcess:
    """Start a worker for ``spec``; the caller reads its "ready" message from ``sock``."""
    scratch = Path(tempfile.mkdtemp(prefix="grader-worker-"))
    src = scratch / "src"
    src.mkdir()
    module_path = src / f"{spec.module}.py"
    module_path.write_text(spec.source, encoding="utf-8")
    parent, child = socket.socketpair()
    log = open(scratch / "output.log", "wb")
    try:
        import json

        proc = subprocess.Popen(
            [sys.executable, "-I", "-m", "grader.worker", str(child.fileno()), str(module_path), spec.module,
             json.dumps(list(spec.allowed_imports))],
            cwd=scratch,
            env=_scrubbed_env(scratch),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            pass_fds=(child.fileno(),),
            start_new_session=True,
            preexec_fn=_limits(spec.memory_mb),
        )
    except BaseException:
        parent.close()
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    finally:
        child.close()
        log.close()
    return WorkerProcess(proc=proc, sock=parent, scratch=scratch, protections=list(_PROTECTIONS))
