"""The one compiled piece: the delta-aware history reader's inner loop (issue 15).

optional=True: where no compiler is at hand the build goes on without it, and
psguard.git.packwalk uses its pure-Python loop instead (same results; the tests
run both).
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("psguard.git._packloops", ["src/psguard/git/_packloops.c"],
                             optional=True)])
