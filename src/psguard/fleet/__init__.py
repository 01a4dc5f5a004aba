"""Audits of many repositories (`psguard audit`) on Dask distributed.

task.py runs on a worker: one repository, mirrored and scanned, returned as plain
data. merge.py (pure) makes one finding per key across the fleet. cluster.py is the
only module that imports Dask; hosting.py lists an organisation's repositories.
Nothing on the pre-commit hook's path imports this package.
"""
