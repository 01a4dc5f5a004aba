"""A short git command run to completion with its output captured: what
`subprocess.run(capture_output=True)` does, without importing subprocess.

subprocess brings selectors, threading, locale, signal and warnings with it: measured
on the pre-commit hook's clean path (two git calls), about 5 ms of a run that is
mostly Python's own start-up. posix_spawn and one poll loop do the same job here;
where they cannot (no posix_spawnp, another PATH in the child's environment, or this
process started with 0, 1 or 2 closed, so that a pipe could land on one of them),
subprocess does it as before.
"""

from __future__ import annotations

import os


class Completed:
    """What a finished git command left: subprocess.CompletedProcess's fields."""

    __slots__ = ("args", "returncode", "stdout", "stderr")

    def __init__(self, args: list[str], returncode: int, stdout: bytes, stderr: bytes
                 ) -> None:
        self.args = args
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr


_READ = 1 << 16
_PIPE_BUF = 4096  # what one write to a pipe that poll calls writable always takes


def run_captured(command: list[str], env: dict[str, str], input: bytes | None
                 ) -> Completed:
    """command run with env; input on its standard input (else psguard's own, as
    subprocess passes it), standard output and error captured. FileNotFoundError
    when the program is not on PATH."""
    if not hasattr(os, "posix_spawnp") or env.get("PATH") != os.environ.get("PATH"):
        # posix_spawnp looks the program up on this process's PATH, subprocess on env's
        return _with_subprocess(command, env, input)
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    in_r, in_w = os.pipe() if input is not None else (-1, -1)
    mine = [fd for fd in (out_r, out_w, err_r, err_w, in_r, in_w) if fd >= 0]
    if min(mine) < 3:  # a standard stream was closed: dup2 onto itself would keep CLOEXEC
        for fd in mine:
            os.close(fd)
        return _with_subprocess(command, env, input)
    # Every descriptor Python opens is close-on-exec: git inherits 0, 1 and 2 only.
    actions = [(os.POSIX_SPAWN_DUP2, out_w, 1), (os.POSIX_SPAWN_DUP2, err_w, 2)]
    if input is not None:
        actions.append((os.POSIX_SPAWN_DUP2, in_r, 0))
    try:
        pid = os.posix_spawnp(command[0], command, env, file_actions=actions)
    except BaseException:
        for fd in mine:
            os.close(fd)
        raise
    for fd in (out_w, err_w, in_r):
        if fd >= 0:
            os.close(fd)
    try:
        out, err = _communicate(out_r, err_r, in_w, input or b"")
        _, status = os.waitpid(pid, 0)
    except BaseException:  # a SIGTERM (Terminated) or Ctrl-C: git must not run on
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        raise
    return Completed(command, os.waitstatus_to_exitcode(status), out, err)


def _communicate(out_r: int, err_r: int, in_w: int, data: bytes) -> tuple[bytes, bytes]:
    """Write data to in_w (when >= 0) while reading out_r and err_r to their ends."""
    import select

    chunks: dict[int, list[bytes]] = {out_r: [], err_r: []}
    open_fds = {out_r, err_r}
    poller = select.poll()
    poller.register(out_r, select.POLLIN)
    poller.register(err_r, select.POLLIN)
    view, offset = memoryview(data), 0
    if in_w >= 0:
        open_fds.add(in_w)
        if data:
            poller.register(in_w, select.POLLOUT)
        else:
            open_fds.discard(in_w)
            os.close(in_w)
    try:
        while open_fds:
            for fd, _event in poller.poll():
                if fd == in_w:
                    try:
                        offset += os.write(fd, view[offset:offset + _PIPE_BUF])
                    except BrokenPipeError:
                        offset = len(data)  # git stopped reading: its exit code says why
                    if offset >= len(data):
                        poller.unregister(fd)
                        open_fds.discard(fd)
                        os.close(fd)
                    continue
                block = os.read(fd, _READ)
                if block:
                    chunks[fd].append(block)
                else:
                    poller.unregister(fd)
                    open_fds.discard(fd)
                    os.close(fd)
    finally:
        for fd in open_fds:
            os.close(fd)
    return b"".join(chunks[out_r]), b"".join(chunks[err_r])


def _with_subprocess(command: list[str], env: dict[str, str], input: bytes | None
                     ) -> Completed:
    import subprocess

    proc = subprocess.run(command, input=input, capture_output=True, env=env)
    return Completed(command, proc.returncode, proc.stdout, proc.stderr)
