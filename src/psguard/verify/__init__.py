"""Live verification of found keys against the Poolside API (opt-in).

- endpoints.py: where keys may be sent (only places the user chose) and the settings
- client.py:    the httpx verifier (bounded concurrency, rate limit, retries, deadline)
- cache.py:     results cached by a hash of key and endpoint, never the raw key
- run.py:       glue used by `psguard scan --verify` and `psguard verify`

httpx is imported only when verification actually runs.
"""
