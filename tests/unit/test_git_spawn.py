"""git/spawn.py: subprocess.run's capture, without subprocess. Real processes: what
they print, what they read, how they end, and a pipe filled both ways at once."""

from __future__ import annotations

import os
import sys

import pytest

from psguard.git.spawn import run_captured

ENV = dict(os.environ)


def test_output_error_and_exit_code() -> None:
    done = run_captured([sys.executable, "-c", "import sys; print('out'); "
                         "sys.stderr.write('err'); sys.exit(3)"], ENV, None)
    assert (done.returncode, done.stdout, done.stderr) == (3, b"out\n", b"err")


def test_large_input_and_output_at_once_do_not_deadlock() -> None:
    """More than a pipe holds, both ways: the child writes while it still reads."""
    data = os.urandom(3 << 20)
    echo = ("import sys\nwhile True:\n    b = sys.stdin.buffer.read1(65536)\n"
            "    if not b: break\n    sys.stdout.buffer.write(b); sys.stderr.write('.')\n")
    done = run_captured([sys.executable, "-c", echo], ENV, data)
    assert done.returncode == 0 and done.stdout == data and done.stderr


def test_a_child_that_stops_reading_is_not_an_error_here() -> None:
    done = run_captured([sys.executable, "-c", "import sys; sys.stdin.read(1); sys.exit(5)"],
                        ENV, b"x" * (4 << 20))
    assert done.returncode == 5


def test_environment_is_the_one_given() -> None:
    done = run_captured([sys.executable, "-c", "import os; print(os.environ['PSG_T'])"],
                        {**ENV, "PSG_T": "given"}, None)
    assert done.stdout == b"given\n"


def test_a_missing_program_is_file_not_found() -> None:
    with pytest.raises(FileNotFoundError):
        run_captured(["psguard-no-such-program-here"], ENV, None)


def test_no_descriptor_left_open() -> None:
    before = set(os.listdir("/proc/self/fd"))
    run_captured([sys.executable, "-c", "print(1)"], ENV, b"abc")
    run_captured([sys.executable, "-c", "import sys; sys.exit(1)"], ENV, None)
    assert set(os.listdir("/proc/self/fd")) <= before


def test_another_path_in_the_environment_is_searched_as_subprocess_does(tmp_path: object
                                                                         ) -> None:
    """The program is looked up on the PATH of the environment given, as before."""
    from pathlib import Path

    folder = Path(str(tmp_path))
    tool = folder / "psguard-spawn-probe"
    tool.write_text("#!/bin/sh\necho found\n")
    tool.chmod(0o755)
    done = run_captured(["psguard-spawn-probe"], {**ENV, "PATH": str(folder)}, None)
    assert done.stdout == b"found\n"
