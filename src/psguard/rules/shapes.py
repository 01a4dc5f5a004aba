"""Word or random? The shape of a run of letters, and of a whole body.

A key is `ps-` and one long random run. A generated name (CSS Modules, CSS-in-JS, bundler
chunks, CloudFormation ids, message ids) is words plus short random segments. Telling them
apart must not depend on a list of words: the names teams give their components, stacks
and messages are open-ended. So a run is judged by its shape alone (case, vowels,
consonant clusters, how common its letter pairs are in English), and a body by its longest
random stretch (a generated name's is at most 13 characters; a key is one random run of
16 or more). docs/rules.md gives the reasoning and
the measured error rates.
"""

from __future__ import annotations

import re

VOWELS = frozenset("aeiouyAEIOUY")
_WORD_RE = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")
_SEPARATORS = re.compile(r"[-_]+")
_HEX_BODY = re.compile(r"[0-9a-fA-F_-]+")
CONSONANT_RUN = re.compile(r"[b-df-hj-np-tv-xzB-DF-HJ-NP-TV-XZ]{4,}")

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
hy ze ks xt ym oy ku za zi ja ka ko ix ax sk nx
dg eb ox dd gg yn dl wr yl sw lb zo mn rb lk lm xi dm eu cy ya
"""
COMMON_BIGRAMS = frozenset(_BIGRAM_TEXT.split())


def uncommon_pairs(low: str) -> int:
    return sum(low[i:i + 2] not in COMMON_BIGRAMS for i in range(len(low) - 1))


def is_pronounceable(run: str) -> bool:
    """Could this run of letters be a word? Short runs are given the benefit of the
    doubt; longer ones need vowels, no cluster of four or more consonants, and
    mostly common letter pairs (random letters fail at least one almost always)."""
    if len(run) <= 3 or run.isdigit():
        return True
    vowels = sum(1 for c in run if c in VOWELS)
    if vowels < 0.25 * len(run) or CONSONANT_RUN.search(run) is not None:
        return False
    pairs = len(run) - 1
    return pairs - uncommon_pairs(run.lower()) >= 0.6 * pairs


_CLUSTER = re.compile(r"[b-df-hj-np-tv-xz]{5}")


def is_word_run(run: str) -> bool:
    """A run of letters shaped like a word of a name, whatever the word: three or more
    letters, lowercase or capitalised, a vowel, no five consonants in a row, and letter
    pairs common in English, allowing one rare pair from six letters on and two from
    twelve (a plural `s` aside): `Button`, `admin`, `Shrink`, `scrollspy`, `Offcanvas`;
    not `Ksmq`, `Zxjulq`, `TWEPQ`. A weak test alone (random lowercase letters pass
    6% of the time at five letters, 14% at six, 5% at eight): it is the structure
    around it (is_generated_name) that keeps keys, where long lowercase runs are rare."""
    if len(run) < 3 or not run.isalpha() or not run[1:].islower():
        return False
    low = run.lower()
    if len(low) > 3 and low.endswith("s") and not low.endswith("ss") and _word_shaped(low[:-1]):
        return True  # a plural: `Tabs`, `Items`
    return _word_shaped(low)


def _word_shaped(low: str) -> bool:
    if not any(c in VOWELS for c in low) or _CLUSTER.search(low) is not None:
        return False
    return uncommon_pairs(low) <= (0 if len(low) < 6 else 1 if len(low) < 12 else 2)


SHORT_HASH = 13  # the longest random segment of a generated name (CloudFormation's suffix)
_HEX_DIGEST = re.compile(r"[0-9a-f]+|[0-9A-F]+")


# A CDK logical id's hash: 8 uppercase hex digits (fewer when CloudFormation cuts the id).
_CDK_HASH = re.compile(r"[0-9A-F]{3,12}$")


# Two or more capitalised (or a first lowercase) runs, each with a vowel: `FigureMasonry`,
# `navItem`. A whole segment of that shape (seven letters or more, runs of three or more)
# is rare in random text: about (26/64) ** 7 that the letters alone line up.
_CAMEL = re.compile(r"(?:[a-z]*[aeiouy][a-z]*)?(?:[A-Z][a-z]*[aeiouy][a-z]*){1,}")


NOISE = 6  # the longest non-word run between two words of a name (`Webkit`, `404`)


def _whole_segment_word(segment: str) -> bool:
    """A word that is a whole segment (`Emoji`, `Quota`, `Inbox`) may have one rare pair
    from five letters on: a separator on each side is already evidence of a name."""
    low = segment.lower()
    return (5 <= len(low) <= 11 and segment[1:].islower() and any(c in VOWELS for c in low)
            and uncommon_pairs(low) <= 1)


def _words(segment: str) -> tuple[int, int] | None:
    """(letters, word runs) when the segment is words: camelCase words (_CAMEL), one
    long pronounceable word (`scrollspy`), or word runs (is_word_run) with at most a
    short head (`MyBucket`, `btnRepeat`), a short tail (`Subnet1`, a cut `ApiGatewayR`)
    and, between two words, runs that are not words of at most NOISE characters
    (`SideWebkitPadding`); else None."""
    runs = _WORD_RE.findall(segment)
    if len(runs) >= 2 and len(segment) >= 7 and _CAMEL.fullmatch(segment) and all(
            len(r) >= 3 for r in runs):
        return len(segment), len(runs)
    if len(runs) == 1 and len(segment) >= 7 and segment.isalpha() and is_pronounceable(segment):
        return len(segment), 1
    if len(runs) == 1 and runs[0] == segment and _whole_segment_word(segment):
        return len(segment), 1
    head = 0
    if len(runs) > 1 and runs[0].isalpha() and len(runs[0]) <= 3:
        head = len(runs.pop(0))  # `is`, `My`, `Vpc`, `SQS`, `btn` before a word
    junk = head == 1  # a lone letter glued on, as around a chance word in a key
    tail = 0
    while (len(runs) > 1 and not is_word_run(runs[-1])
           and tail + len(runs[-1]) <= (5 if runs[-1].istitle() else 2)):
        junk |= len(runs[-1]) == 1 and runs[-1].isalpha()
        tail += len(runs.pop())  # `Subnet1`, a camel word cut short: `ApiGatewayR`, `PublicSubne`
    if not runs or not is_word_run(runs[0]) or not is_word_run(runs[-1]):
        return None
    letters = count = noise = 0
    for run in runs:
        if is_word_run(run):
            letters, count, noise = letters + len(run), count + 1, 0
        else:
            noise += len(run)
            if noise > NOISE:
                return None
    if letters < 0.6 * (len(segment) - head - tail):
        return None  # words must make most of a word segment
    return letters, count if count > 1 or not junk else -1  # -1: one word in noise


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
    if len(segment) <= 4 and segment.isalpha():
        return 0, 0, 0  # an abbreviation (`rgb`, `btn`, `sc`, `xxl`): neither word nor hash
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
    if _HEX_BODY.fullmatch(body):
        return False  # all-hex bodies: `hex_needs_context` decides
    segments = [s for s in _SEPARATORS.split(body) if s]
    if len(segments) < 2:
        return _is_message_id(body)
    letters = cost = words = 0
    alone_in_noise = False
    for segment in segments:
        parts = _segment(segment)
        if parts is None:
            return False
        letters, cost, words = letters + parts[0], cost + parts[2], words + abs(parts[1])
        alone_in_noise |= parts[1] < 0
    if words == 1 and alone_in_noise:
        return False  # one word with random letters glued on: how chance words in keys look
    return letters >= 5 and letters >= 0.3 * (letters + cost)


def _is_message_id(body: str) -> bool:
    """camelCase words with short runs of other characters between them: three or more
    word runs, 60% of the body, nothing else longer than NOISE + 2 characters in a row
    (`errorCode404Message`, `schemeSideWebkitPadding`)."""
    letters = runs = noise = 0
    for run in _WORD_RE.findall(body):
        if is_word_run(run):
            letters, runs, noise = letters + len(run), runs + 1, 0
        else:
            noise += len(run)
            if noise > NOISE + 2:  # `404Cyan`: a number and a word that is not shaped like one
                return False
    capitalised = sum(1 for r in _WORD_RE.findall(body) if r[0].isupper() and is_word_run(r))
    return runs >= 3 and capitalised >= 2 and letters >= 0.6 * len(body)
