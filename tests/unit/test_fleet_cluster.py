"""fleet/cluster.py's rule for raw keys between processes: only the embedded cluster,
a loopback scheduler or TLS."""

from __future__ import annotations

from psguard.fleet.cluster import keys_may_travel


def test_raw_keys_travel_only_over_loopback_or_tls() -> None:
    assert keys_may_travel(None)  # the embedded LocalCluster, on 127.0.0.1
    assert keys_may_travel("tcp://127.0.0.1:8786")
    assert keys_may_travel("tcp://localhost:8786")
    assert keys_may_travel("tcp://[::1]:8786")
    assert keys_may_travel("tls://10.0.0.5:8786")
    assert keys_may_travel("tls://scheduler.example.invalid:8786")
    assert not keys_may_travel("tcp://10.0.0.5:8786")
    assert not keys_may_travel("tcp://203.0.113.7:8786")
    assert not keys_may_travel("tcp://scheduler.example.invalid:8786")  # unresolvable
