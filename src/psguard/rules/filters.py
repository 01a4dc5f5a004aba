"""Filters and scoring for candidate key bodies.

Each function answers one question about a body; `judge` combines them into a
confidence, or None when the body is certainly not a key. The reasons for each
filter are documented next to its setting in rules/poolside.toml.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter

from psguard.rules.model import Rule
from psguard.rules.namewords import WORDS

# Runs that people read as words: "deployment", "Account", "HTTP", "20240101".
_WORD_RE = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")


_VOWELS = frozenset("aeiouyAEIOUY")
_CONSONANT_RUN = re.compile(r"[b-df-hj-np-tv-xzB-DF-HJ-NP-TV-XZ]{4,}")
_HEX_RE = re.compile(r"[0-9a-fA-F_-]+")
_SEPARATORS = re.compile(r"[-_]+")


def shannon_entropy(body: str) -> float:
    counts = Counter(body)
    n = len(body)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def alphabet_size(body: str) -> int:
    """The size of the smallest usual alphabet the body is drawn from."""
    if is_hex(body):
        return 16 + (2 if any(c in "-_" for c in body) else 0)
    size = 0
    size += 10 if any(c.isdigit() for c in body) else 0
    size += 26 if any(c.islower() for c in body) else 0
    size += 26 if any(c.isupper() for c in body) else 0
    size += 2 if any(c in "-_" for c in body) else 0
    return max(size, 2)


def entropy_ratio(body: str) -> float:
    """Entropy relative to what a random body of this length and alphabet has.

    The reference is log2 of the expected number of distinct symbols in a random
    body (k * (1 - (1 - 1/k) ** n) for alphabet size k and length n), so a random
    body scores near 1 whatever its alphabet (hex, lowercase alphanumerics, base62,
    base64url) and length, and a body made of a few repeated symbols scores low.
    """
    k = alphabet_size(body)
    n = len(body)
    ceiling = math.log2(k * (1 - (1 - 1 / k) ** n))
    return shannon_entropy(body) / ceiling if ceiling > 0 else 0.0


def is_placeholder(body: str, words: tuple[str, ...]) -> bool:
    """A placeholder word in the body (case-insensitive).

    In bodies over 40 characters a word must start a run (`EXAMPLEKEY…`), and a
    word under five letters must also stand between separators or the body's ends
    (`…-your-key-…`): otherwise a random 128-character body would contain a word
    such as `fake` or `your` by chance about once in a thousand."""
    lowered = body.lower()
    if len(body) <= 40:
        return any(word in lowered for word in words)
    for m in _WORD_RE.finditer(body):
        i = m.start()
        for word in words:
            if not lowered.startswith(word, i):
                continue
            if len(word) >= 5:
                return True
            end = i + len(word)
            if (i == 0 or body[i - 1] in "-_") and (end == len(body) or body[end] in "-_"):
                return True
    return False


def is_repeated(body: str) -> bool:
    """One short unit repeated: `aaaa…`, `abcabcabc…`, `ab12ab12…`."""
    n = len(body)
    for period in range(1, n // 3 + 1):
        unit = body[:period]
        if (unit * (n // period + 1))[:n] == body:
            return True
    return False


def is_sequential(body: str) -> bool:
    """Mostly consecutive characters: `0123456789abcdef…`, `abcdefgh…`, `987654…`."""
    steps = sum(1 for a, b in itertools.pairwise(body) if abs(ord(b) - ord(a)) == 1)
    return steps >= 0.6 * (len(body) - 1)


# Letter pairs common in English and in the words of identifiers (about a third of
# all 676 pairs). Random letters hit this set about a third of the time, words
# almost always.
_BIGRAM_TEXT = """
th he in er an re on at en nd ti es or te of ed is it al ar st to nt ng se ha as ou
io le ve co me de hi ri ro ic ne ea ra ce li ch ll be ma si om ur ca el ta la ns di
fo ho pe ec pr no ct us ac ot il tr ly nc et ut ss so rs un lo wa ge ie wh ee wi em
ad ol rt po we na ul ni ts mo ow pa im mi ai sh ir su id os iv ia am fi ci vi pl ig
tu ev ld ry mp fe bl ab gh ty op wo sa ay ex ke fr oo av ag if ap gr od bo sp rd do
uc bu ei ov by rm ep tt oc fa ef cu rn sc gi da yo cr cl du ga qu ue ff ba ey ls va
um pp ua up lu go ht ru ug ds lt pi rc rr eg au ck ew mu br bi pt ak pu ui rg ib tl
ny ki rk ys ob mm fu ph og ms ye ud mb ip ub oi rl gu dr hr cc tw ft wn nu af hu nn
eo vo rv nf xp gn sm fl iz ok nl my gl aw ju oa eq sy sl ps jo lf nv je nk kn gs dy
hy ze ks xt ym oy ku za zi ja ka ko ev ix ax sk ti nx ov ue ua ec
"""
_COMMON_BIGRAMS = frozenset(_BIGRAM_TEXT.split())


def is_pronounceable(run: str) -> bool:
    """Could this run of letters be a word? Short runs are given the benefit of the
    doubt; longer ones need vowels, no cluster of four or more consonants, and
    mostly common letter pairs (random letters fail at least one almost always)."""
    if len(run) <= 3 or run.isdigit():
        return True
    vowels = sum(1 for c in run if c in _VOWELS)
    if vowels < 0.25 * len(run) or _CONSONANT_RUN.search(run) is not None:
        return False
    low = run.lower()
    pairs = [low[i:i + 2] for i in range(len(low) - 1)]
    return sum(p in _COMMON_BIGRAMS for p in pairs) >= 0.6 * len(pairs)


def is_word_like(body: str, min_average: float) -> bool:
    """Reads as words: few, long runs (`deployment`, `Account`, `HTTP`, `20240101`).

    Runs of letters that cannot be words (no vowels, long consonant clusters) and
    runs of digits count as single characters, so a random lowercase or hex body is
    not mistaken for words. (Dates and versions in names are caught by
    `is_identifier` instead.)
    """
    words = _WORD_RE.findall(body)
    if not words:
        return True  # only separators
    lengths: list[int] = []
    for w in words:
        if not w.isdigit() and is_pronounceable(w):
            lengths.append(len(w))
        else:
            lengths.extend([1] * len(w))
    return sum(lengths) / len(lengths) >= min_average


def is_hex(body: str) -> bool:
    return _HEX_RE.fullmatch(body) is not None


def is_digits_only(body: str) -> bool:
    return _SEPARATORS.sub("", body).isdigit()


def is_identifier(body: str) -> bool:
    """kebab-case or snake_case names and ids: `api-7c9d8f6b4-qx2zk` (a pod),
    `card__header--active` (BEM), `123e4567-e89b-12d3-a456-426614174000` (a UUID).

    Separated, no capital letter anywhere, and either a segment that is a word of
    three or more letters or only short segments. A random base64url body of 16+
    characters has a capital letter with probability above 0.9997.
    """
    if not any(c in "-_" for c in body) or any(c.isupper() for c in body):
        return False
    segments = [s for s in _SEPARATORS.split(body) if s]
    if all(len(s) <= 12 for s in segments):
        return True
    return any(len(s) >= 3 and s.isalpha() and is_pronounceable(s) for s in segments)


# -- generated names: words plus a short hash ------------------------------------------

SHORT_HASH = 13  # the longest random segment of a generated name (CloudFormation's suffix)
_HEX_DIGEST = re.compile(r"[0-9a-f]+|[0-9A-F]+")


def is_word_run(run: str) -> bool:
    """A run of letters that reads as a word of a name: three or more letters, not all
    capitals, and one of namewords.WORDS or else a vowel, no four consonants in a row,
    and common letter pairs (all of
    them under eight letters, three in four from eight on; a plural `s` aside).
    `Button`, `nav`, `Api`, `chart`, `Tabs`; not `Ksm`, `Gp`, `TWEPQ`, `Zxjulq`."""
    if len(run) < 3 or not run.isalpha() or run.isupper():
        return False
    low = run.lower()
    if len(low) > 3 and low.endswith("s") and not low.endswith("ss"):
        low = low[:-1]
    if low in WORDS or run.lower() in WORDS:
        return True
    if not any(c in _VOWELS for c in low) or _CONSONANT_RUN.search(low) is not None:
        return False
    pairs = [low[i:i + 2] for i in range(len(low) - 1)]
    common = sum(p in _COMMON_BIGRAMS for p in pairs)
    return common == len(pairs) if len(low) < 8 else common >= 0.75 * len(pairs)


# A CDK logical id's hash: 8 uppercase hex digits (fewer when CloudFormation cuts the id).
_CDK_HASH = re.compile(r"[0-9A-F]{3,12}$")


# Two or more capitalised (or a first lowercase) runs, each with a vowel: `FigureMasonry`,
# `navItem`. A whole segment of that shape (seven letters or more, runs of three or more)
# is rare in random text: about (26/64) ** 7 that the letters alone line up.
_CAMEL = re.compile(r"(?:[a-z]*[aeiouy][a-z]*)?(?:[A-Z][a-z]*[aeiouy][a-z]*){1,}")


def _words(segment: str) -> tuple[int, int] | None:
    """(letters, word runs) when the segment is words: camelCase words (_CAMEL), one
    long pronounceable word
    (`scrollspy`), or word runs (is_word_run) with at most a
    short capitalised head (`MyBucket`, `VpcSubnet`) and a short tail (`Subnet1`, a cut
    `ApiGatewayR`); else None."""
    runs = _WORD_RE.findall(segment)
    if len(runs) >= 2 and len(segment) >= 7 and _CAMEL.fullmatch(segment) and all(
            len(r) >= 3 for r in runs):
        return len(segment), len(runs)
    if len(runs) == 1 and len(segment) >= 7 and segment.isalpha() and is_pronounceable(segment):
        return len(segment), 1
    head = runs[0] if runs else ""
    if len(runs) > 1 and head.isalpha() and (len(head) <= 2 or (len(head) == 3
                                             and head[0].isupper())):
        runs = runs[1:]  # `is`, `My`, `Vpc`, `SQS` before a word
    tail = 0
    while (len(runs) > 1 and not is_word_run(runs[-1])
           and tail + len(runs[-1]) <= (5 if runs[-1].istitle() else 2)):
        tail += len(runs.pop())  # `Subnet1`, a camel word cut short: `ApiGatewayR`, `PublicSubne`
    if not runs or not all(is_word_run(r) for r in runs):
        return None
    return sum(map(len, runs)), len(runs)


def _segment(segment: str) -> tuple[int, int, int] | None:
    """(word letters, word runs, random characters) of a segment between separators:
    words, words ending in a CDK logical id's hash (`WebServer3F9A2B1C`), or a short
    hash (at most SHORT_HASH characters, or a hex digest of any length, counted as
    SHORT_HASH). None for a long random run."""
    words = _words(segment)
    if words is not None:
        return words[0], words[1], 0
    cdk = _CDK_HASH.search(segment)
    if cdk is not None and cdk.start() >= 3:
        words = _words(segment[:cdk.start()])
        if words is not None:
            return words[0], words[1], min(cdk.end() - cdk.start(), SHORT_HASH)
    if len(segment) <= SHORT_HASH:
        return 0, 0, len(segment)
    if _HEX_DIGEST.fullmatch(segment):
        return 0, 0, SHORT_HASH
    return None


def is_generated_name(body: str) -> bool:
    """Words plus short random segments: `Button-primary-a3Xk9` (CSS Modules),
    `14ksm7b-StyledButton` (emotion), `dashboard-DwX3a9Qk` (Vite),
    `app-prod-WebServerF68F3FF0-1X2Y3Z4W5V6U` (CloudFormation), and camelCase message
    ids (`checkoutSaveButton404Label`).

    A key is one long random run. A generated name is separated into segments (`-`,
    `_`), and every stretch of non-words in it is a short hash (at most SHORT_HASH
    characters, or a hex digest); words (is_word_run) make up at least 5 letters and
    30% of it. Without a separator, only three or more words with at most a short
    number between them (`errorCode404Message`) count: a random body starting with a
    word-like run and a short tail must stay a key."""
    if is_hex(body):
        return False  # all-hex bodies: `hex_needs_context` decides
    segments = [s for s in _SEPARATORS.split(body) if s]
    if len(segments) < 2:
        return _is_message_id(body)
    letters = cost = 0
    for segment in segments:
        parts = _segment(segment)
        if parts is None:
            return False
        letters, cost = letters + parts[0], cost + parts[2]
    return letters >= 5 and letters >= 0.3 * (letters + cost)


def _is_message_id(body: str) -> bool:
    """camelCase words with at most short numbers between them: three or more word
    runs, 75% of the body, nothing else longer than four characters in a row."""
    letters = runs = 0
    noise = 0
    for run in _WORD_RE.findall(body):
        if is_word_run(run):
            letters, runs, noise = letters + len(run), runs + 1, 0
        else:
            noise += len(run)
            if noise > 4:
                return False
    return runs >= 3 and letters >= 0.75 * len(body)


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
                   re.IGNORECASE)
# ULIDs of 2005-2039 start with `01` (48-bit milliseconds in Crockford base32).
_ULID = re.compile(r"0[1-3][0-9A-HJKMNP-TV-Z]{24}|0[1-3][0-9a-hjkmnp-tv-z]{24}")


def is_uuid_or_ulid(body: str) -> bool:
    """A UUID (8-4-4-4-12 hex digits) or a ULID (26 Crockford base32 characters of
    one case, starting with the timestamp's `01`..`03`): ids, never keys. A random
    36-character body has that shape with negligible probability; a random 26-character
    one of uppercase letters and digits about 4e-5 of the time."""
    return _UUID.fullmatch(body) is not None or _ULID.fullmatch(body) is not None


# -- placeholders typed from alphabet runs and keyboard rows -----------------------------

_SEQUENCES = ("abcdefghijklmnopqrstuvwxyz", "0123456789", "qwertyuiop", "asdfghjkl",
              "zxcvbnm", "1234567890")
_STEP: dict[str, set[str]] = {}
for _seq in _SEQUENCES:
    for _a, _b in itertools.pairwise(_seq):
        for _x, _y in ((_a, _b), (_b, _a)):  # forwards and backwards
            _STEP.setdefault(_x, set()).add(_y)
            _STEP.setdefault(_x.upper(), set()).add(_y.upper())


def is_keyboard_runs(body: str) -> bool:
    """Typed rather than random: the body is a few runs along the alphabet, the digits
    or a keyboard row, either way and in either case (`abcdefghijkl`, `ABCDEF012345`,
    `qwertyuiopasdfghjkl`, `zxcvbnmzxcvbnm`). Runs average four or more characters;
    in a random body two neighbours are such a step about one time in twenty."""
    if len(body) < 8:
        return False
    runs = 1
    for a, b in itertools.pairwise(body):
        if b not in _STEP.get(a, ()):
            runs += 1
    return len(body) / runs >= 4.0


# What a digest or a cloud id is labelled with, right before it: wheel RECORD files and
# checksum lists (`sha256=<base64url>`), Subresource Integrity (`sha384-<base64>`), AWS
# IAM Identity Center permission sets (`…:permissionSet/ssoins-<id>/ps-<16 chars>`).
_ID_LABEL = re.compile(rb"(?:sha(?:1|256|384|512)[=-]|permissionSet/ssoins-[0-9a-z]+/)\Z",
                       re.IGNORECASE)


def labelled_id(before: bytes) -> bool:
    """The text right before a candidate names it as a digest or an id: a random run
    after `sha256=` is the file's hash (one in 262,144 sha256 digests starts `ps-`), so
    real package metadata would otherwise hold keys by chance."""
    return _ID_LABEL.search(before) is not None


def char_classes(body: str) -> int:
    return (
        any(c.islower() for c in body)
        + any(c.isupper() for c in body)
        + any(c.isdigit() for c in body)
    )


def drop_reason(rule: Rule, body: str) -> str | None:
    """Why a body is certainly not a key (the filter's name), or None."""
    f = rule.filters
    if f.placeholder_words and is_placeholder(body, f.placeholder_words):
        return "placeholder_words"
    if f.reject_repeated and is_repeated(body):
        return "reject_repeated"
    if f.reject_sequential and is_sequential(body):
        return "reject_sequential"
    if f.reject_keyboard_runs and is_keyboard_runs(body):
        return "reject_keyboard_runs"
    if f.reject_digits_only and is_digits_only(body):
        return "reject_digits_only"
    if f.reject_identifiers and is_identifier(body):
        return "reject_identifiers"
    if f.reject_uuid_ulid and is_uuid_or_ulid(body):
        return "reject_uuid_ulid"
    if f.reject_word_like and is_word_like(body, f.word_like_min_average):
        return "reject_word_like"
    if f.reject_generated_names and is_generated_name(body):
        return "reject_generated_names"
    if any(p.fullmatch(body) for p in f.allow_patterns):
        return "allow_patterns"
    return None


def judge(rule: Rule, body: str, has_context: bool) -> str | None:
    """Confidence for a body that passed the length bounds, or None to drop it."""
    if drop_reason(rule, body) is not None:
        return None
    random_enough = entropy_ratio(body) >= rule.min_entropy_ratio
    if rule.filters.hex_needs_context and is_hex(body):
        # Digests and ids (`ps-` + a git sha, an md5, a UUID) look exactly like a hex
        # key; only a keyword nearby tells them apart.
        return "medium" if has_context and random_enough else "low"
    mixed = char_classes(body) >= 2
    if random_enough and mixed and (has_context or len(body) >= 32):
        return "high"
    if random_enough and (mixed or has_context):
        return "medium"
    return "low"
