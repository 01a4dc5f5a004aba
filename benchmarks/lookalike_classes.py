"""Harmless `ps-` strings by class, generated at run time from a seed and scanned by
psguard (`psguard scan DIR --format json`), counting distinct findings per class at the
default confidence (medium+) and at low. Vocabulary for generated names comes from
words psguard was not tuned on (psguard.testing.lookalikes.heldout_words).

    PYTHONPATH=src python benchmarks/lookalike_classes.py [--seed N] [--count 200]
"""

# ruff: noqa: E501, E731
# (a table of string templates, one a class: long lines read better whole)

import base64
import hashlib
import json
import os
import random
import string
import subprocess
import sys
import time
import uuid
from pathlib import Path

P = "p" + "s"
B64U = string.ascii_letters + string.digits + "-_"
B62 = string.ascii_letters + string.digits
HEX = "0123456789abcdef"


def d(r, a, n):
    return "".join(r.choice(a) for _ in range(n))


from psguard.testing.lookalikes import heldout_words  # noqa: E402

WORDS = heldout_words()


def w(r):
    return r.choice(WORDS)


def W(r):
    return w(r).capitalize()


C = {}


def cls(f):
    C[f.__name__] = f
    return f


@cls
def perfect_scrollbar(r):
    return f".{P}__rail-{r.choice('xy')} .{P}--active-{r.choice('xy')} > .{P}__thumb-{r.choice('xy')}, .{P}--focus, .{P}-container.{P}-in-scrolling.{P}-{r.choice('xy')} .{P}-scrollbar-{r.choice('xy')}-rail"


@cls
def bootstrap(r):
    return f'<div class="{P}-{r.randint(0, 5)} {P}-{r.choice(["sm", "md", "lg", "xl", "xxl"])}-{r.randint(0, 5)} pe-{r.randint(0, 5)}">'


@cls
def tailwind(r):
    return f'<div class="{P}-[{r.randint(1, 99)}px] md:{P}-{r.randint(1, 12)} hover:{P}-[calc(100%-{r.randint(1, 9)}rem)] rtl:{P}-{r.randint(1, 8)}">'


@cls
def npm_pkgs(r):
    n = r.choice(
        [
            "tree",
            "list",
            "node",
            "man",
            "scan",
            "exec",
            "list-windows",
            "kill",
            "tree-kill-extended",
            "lookup-process-tree",
        ]
    )
    return f'"{P}-{n}": "^{r.randint(0, 9)}.{r.randint(0, 20)}.{r.randint(0, 9)}", node_modules/{P}-{n}/index.js {P}-{n}-{r.randint(1, 3)}.{r.randint(0, 9)}.{r.randint(0, 9)}.tgz'


@cls
def powershell(r):
    return f"{P}-script-{w(r)}.ps1 Invoke-{W(r)}.ps1 {P}-{r.randint(1, 5)} {P}-{w(r)}-{w(r)}-v{r.randint(1, 9)}"


@cls
def docker(r):
    app = w(r)
    return (
        f"image: registry.example.com/{P}-{app}:{r.randint(1, 9)}.{r.randint(0, 9)}.{r.randint(0, 9)}-alpine\n"
        f"container_name: {P}-{app}_{w(r)}_{r.randint(1, 3)}\npod/{P}-{app}-{d(r, 'bcdfghjklmnpqrstvwxz2456789', 10)}-{d(r, 'bcdfghjklmnpqrstvwxz2456789', 5)}\n"
        f"{P}-{app}-{d(r, HEX, 12)}"
    )


@cls
def helm(r):
    return f"helm install {P}-{w(r)}-{r.choice(['prod', 'staging', 'dev'])} ./chart  # {P}-{w(r)}-{w(r)}-master-{r.randint(0, 3)}"


@cls
def branches(r):
    return f"git checkout -b feature/{P}-{r.randint(100, 9999)}-{w(r)}-{w(r)}-{w(r)}  origin/{P}-{r.randint(100, 9999)}-{W(r)}-{W(r)}"


@cls
def jira(r):
    return f"Fixes PS-{r.randint(1, 9999)} and {P}-{r.randint(1, 9999)}; see https://jira.example.com/browse/PS-{r.randint(1, 99999)}"


@cls
def semver(r):
    return f"{P}-{r.randint(0, 9)}.{r.randint(0, 20)}.{r.randint(0, 9)}-rc.{r.randint(1, 9)}+build.{r.randint(1, 999)} {P}-v{r.randint(1, 9)}.{r.randint(0, 9)}.{r.randint(0, 9)}-{d(r, HEX, 7)}"


@cls
def timestamps(r):
    return f"{P}-{r.randint(2019, 2026)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}T{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:00Z {P}-{r.randint(2019, 2026)}{r.randint(1, 12):02d}{r.randint(1, 28):02d}-{r.randint(0, 235959):06d}-{d(r, HEX, 8)} {P}-{int(time.time() * 1000) + r.randint(0, 10**6)}"


@cls
def hex_digests(r):
    h = hashlib.sha256(os.urandom(8)).hexdigest()
    return f"/{P}-{h}\n{P}-{hashlib.sha1(os.urandom(8)).hexdigest()}.tar.gz\nsha1:{P}-{hashlib.md5(os.urandom(8)).hexdigest()}"


@cls
def jwt(r):
    seg = lambda n: d(r, B64U, n)
    h = (
        base64.urlsafe_b64encode(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        .decode()
        .rstrip("=")
    )
    return f"token: {h}.{seg(60)}.{P}-{seg(40)}\nAuthorization: Bearer {h}.{P}-{seg(50)}.{seg(43)}"


@cls
def nanoid_like(r):
    return f'id: "{d(r, B64U, 21)}" ref: "/{d(r, B64U, 10)}/{P}-{d(r, B64U, 8)}"'


@cls
def minified(r):
    return f"var {P}={d(r, 'abcdefghij', 3)}.{P}-{r.randint(1, 9)};function {P}(e){{return e.{P}}};a.{P}-{w(r)}-{w(r)}"


@cls
def b64_blob(r):
    data = base64.b64encode(os.urandom(r.randint(60, 200))).decode().rstrip("=")
    return f'"data": "{data}/{P}-{d(r, B62, r.randint(16, 40))}+{data[:30]}"'


@cls
def sri(r):
    return f'integrity="sha512-{base64.b64encode(os.urandom(64)).decode()}" "integrity": "sha384-{P}-{d(r, B62, 40)}"'


@cls
def go_sum(r):
    return f"github.com/{w(r)}/{P}-{w(r)} v1.{r.randint(0, 9)}.{r.randint(0, 9)} h1:{base64.b64encode(os.urandom(32)).decode()}"


@cls
def aws_arn(r):
    return f"arn:aws:lambda:us-east-1:{r.randint(10**11, 10**12 - 1)}:function:{P}-{w(r)}-{W(r)}{W(r)}-{d(r, string.ascii_uppercase + string.digits, 12)}\narn:aws:iam::{r.randint(10**11, 10**12 - 1)}:role/{P}-{w(r)}-{W(r)}Role{d(r, '0123456789ABCDEF', 8)}-{d(r, string.ascii_letters + string.digits, 12)}"


@cls
def gcp(r):
    return f"projects/{P}-{w(r)}-{r.randint(100000, 999999)}/locations/us-central1/services/{P}-{w(r)}-{d(r, string.ascii_lowercase + string.digits, 10)}"


@cls
def azure(r):
    return f"/subscriptions/{uuid.uuid4()}/resourceGroups/{P}-rg-{w(r)}-prod/providers/Microsoft.Web/sites/{P}-{w(r)}-{d(r, string.ascii_lowercase + string.digits, 13)}"


@cls
def other_vendor_tokens(r):
    return f"xoxb-{r.randint(10**10, 10**11)}-{P}-{d(r, B62, 24)} sk_live_{P}-{d(r, B62, 24)} ghp_{P}-{d(r, B62, 30)}"


@cls
def placeholders(r):
    body = r.choice(
        [
            "x" * r.randint(16, 48),
            "X" * r.randint(16, 48),
            "your-api-key-here",
            "YOUR_POOLSIDE_API_KEY",
            "<redacted>",
            "*" * 20,
            "0" * r.randint(16, 40),
            "abc123" * r.randint(3, 6),
            "${POOLSIDE_KEY}",
            "{{ poolside_key }}",
            "EXAMPLE" + d(r, string.ascii_uppercase, 12),
            "test" + d(r, B62, 16),
            "dummy" + d(r, B62, 16),
            "1234567890abcdef" * 2,
            ("ab" + d(r, B62, 4)) * 4,
            "REPLACE_ME_WITH_YOUR_KEY",
            "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
            "...",
            "abcdefghijklmnopqrstuvwxyz0123456789",
            "0123456789" * 3,
            "qwertyuiopasdfghjkl",
            "aaaaaaaaaaaaaaaaaaaaaaaa",
            "1234abcd" * 4,
            "my-poolside-key",
            "insert-key-here-0000",
            "notarealkey" + d(r, B62, 10),
            "sample" + d(r, B62, 20),
            "fake" + d(r, B62, 20),
            "<YOUR_KEY>",
            "changeme-" + d(r, string.ascii_lowercase, 10),
        ]
    )
    return f'POOLSIDE_API_KEY={P}-{body}\nexport POOLSIDE_API_KEY="{P}-{body}"'


@cls
def masked(r):
    return f"POOLSIDE_API_KEY={P}-{d(r, B62, 3)}...{d(r, B62, 4)}\napi_key: {P}-****{d(r, B62, 4)}\nkey {P}-{d(r, B62, 4)}…{d(r, B62, 4)}\n{P}-{'*' * 16}{d(r, B62, 4)}"


@cls
def key_hashes(r):
    return f"poolside key sha256: {hashlib.sha256(os.urandom(8)).hexdigest()}  fingerprint {P}-sha256-{hashlib.sha256(os.urandom(8)).hexdigest()[:32]}"


@cls
def css_modules(r):
    return f".{P}-{W(r)}-{w(r)}-{d(r, B64U, r.randint(5, 8))} .{P}-{W(r)}_{w(r)}{W(r)}__{d(r, B64U, 5)}"


@cls
def emotion(r):
    return f".{P}-{d(r, string.ascii_lowercase + string.digits, r.randint(5, 7))}-{W(r)}{W(r)} .{P}-{W(r)}__{W(r)}-sc-{d(r, string.ascii_lowercase + string.digits, 6)}-{r.randint(0, 9)}"


@cls
def chunks(r):
    return f'import("./{P}-{w(r)}-{d(r, B64U, 8)}.js") "{P}-{w(r)}-{w(r)}.{d(r, HEX, 20)}.chunk.js" {P}-{w(r)}-{d(r, HEX, 20)}.js'


@cls
def cloudformation(r):
    return f"{P}-{w(r)}-{r.choice(['prod', 'dev'])}-{W(r)}{W(r)}{d(r, '0123456789ABCDEF', 8)}-{d(r, string.ascii_uppercase + string.digits, r.choice((12, 13)))}"


@cls
def ulid_uuid(r):
    return f"{P}-{uuid.uuid4()} {P}-{str(uuid.uuid4()).upper()} {P}-01{d(r, '0123456789ABCDEFGHJKMNPQRSTVWXYZ', 24)} {P}-{uuid.uuid4().hex}"


@cls
def i18n(r):
    return (
        f'"{P}-{w(r)}{W(r)}{W(r)}{r.choice(["", "404", "2"])}{W(r)}": "..." {P}.{w(r)}{W(r)}{W(r)}'
    )


@cls
def keyboard(r):
    return f"POOLSIDE_API_KEY={P}-{r.choice(['qwertyuiop', 'asdfghjkl', 'zxcvbnm', '1234567890', 'QWERTYUIOP']) * 3}"


@cls
def k8s(r):
    return f"{P}-{w(r)}-{d(r, 'bcdfghjklmnpqrstvwxz2456789', 10)}-{d(r, 'bcdfghjklmnpqrstvwxz2456789', 5)} {P}-{w(r)}-{w(r)}-{r.randint(0, 9)}"


def main(seed, n, out):
    r = random.Random(seed)
    root = Path(out)
    root.mkdir(parents=True, exist_ok=True)
    for name, f in C.items():
        (root / f"{name}.txt").write_text("\n".join(f(r) for _ in range(n)) + "\n")
    env = dict(os.environ)
    res = {}
    for conf in ("medium", "low"):
        p = subprocess.run(
            [
                sys.executable,
                "-m",
                "psguard",
                "scan",
                str(root),
                "--format",
                "json",
                "--min-confidence",
                conf,
            ],
            capture_output=True,
            text=True,
            env=env,
        )
        fs = json.loads(p.stdout)["findings"]
        by = {}
        for f in fs:
            for loc in f["locations"]:
                by.setdefault(loc["path"].split("/")[-1][:-4], set()).add(
                    (f["secret"]["redacted"], f["confidence"])
                )
        res[conf] = by
    total = set()
    for name in C:
        med = res["medium"].get(name, set())
        low = res["low"].get(name, set())
        total |= {v for v, _ in med}
        if med or low:
            print(
                f"{name:22} medium+ {len(med):4}  low+ {len(low):4}  e.g. {sorted(med)[:3] or sorted(low)[:2]}"
            )
    print("distinct medium+ total:", len(total), "classes:", len(C))


if __name__ == "__main__":
    import argparse
    import tempfile

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=random.SystemRandom().randrange(2**32))
    ap.add_argument("--count", type=int, default=200)
    args = ap.parse_args()
    print(f"seed {args.seed}")
    with tempfile.TemporaryDirectory() as tmp:
        main(args.seed, args.count, tmp)
