"""Hypothesis strategies shared by the property tests: bytes that confuse scanners,
and keys drawn from a seed (so a failing example can be replayed)."""

from __future__ import annotations

import random

from hypothesis import strategies as st

from psguard.testing.keys import BASE64URL, PREFIX

TOKEN_BYTES = set((BASE64URL).encode())
# Bytes biased towards what confuses scanners: prefixes, token characters, separators.
NOISY = st.lists(st.one_of(
    st.binary(max_size=40),
    st.sampled_from([b"ps-", b"p", b"s-", b"-", b"_", b"\n", b"\r\n", b"\0", b"\xff",
                     b"POOLSIDE_API_KEY=", b"psguard:allow", b" ", b"=", b'"']),
    st.text(alphabet=BASE64URL, max_size=30).map(str.encode),
), max_size=60).map(b"".join)


def key_from_seed(seed: int, length: int, alphabet: str) -> str:
    rng = random.Random(seed)
    return PREFIX + "".join(rng.choice(alphabet) for _ in range(length))


def boundary(data: bytes, at_end: bool) -> bytes:
    """Trim so that the byte touching the key is not a token character."""
    while data and (data[0] if at_end else data[-1]) in TOKEN_BYTES:
        data = data[1:] if at_end else data[:-1]
    return data

# Text an attacker would put in a path, ref, author or member name: Markdown and HTML
# punctuation, terminal controls, bidirectional overrides, line breaks of every kind.
# No lone surrogates: sources turn undecodable bytes into \xNN (models.display_path).
HOSTILE_TEXT = st.text(st.sampled_from(list(
    "ab 1.#-+=*_`~|[]()<>!&\\$@:,%\n\r\t\x1b\x07\x7f\x85\u202e\u2066\u2028")
) | st.characters(exclude_categories=["Cs"]), max_size=40)
