"""Harmless `ps-` strings, generated at run time from the naming schemes of the tools that
make them: CSS Modules, CSS-in-JS, bundlers, CloudFormation, Kubernetes and Azure, ULID and
UUID generators, i18n message ids, and placeholders typed from alphabet runs and keyboard
rows. Each generator returns the whole string, prefix included.

These are what a front-end build, a cloud console or a README produce when a team's
prefix happens to be `ps`. The shape they share: words, plus (at most) a short random
segment. A key is one long random run (rules/filters.py tells them apart).
"""

from __future__ import annotations

import base64
import random
import string
import uuid
from collections.abc import Callable

P = "p" + "s"  # the prefix without its dash, spelled apart (no key-shaped literal here)

B64URL = string.ascii_letters + string.digits + "-_"
BASE36 = string.ascii_lowercase + string.digits
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
UPPER36 = string.ascii_uppercase + string.digits
HEX = "0123456789abcdef"

COMPONENTS = ["Button", "NavBar", "Card", "Modal", "Sidebar", "Header", "Footer", "Tooltip",
              "DataTable", "UserProfile", "SearchInput", "Dropdown", "Avatar", "Pagination",
              "Breadcrumb", "Accordion", "DatePicker", "Notification", "ProgressBar", "Tabs"]
LOCALS = ["root", "primary", "navItem", "isActive", "container", "title", "wrapper",
          "iconLeft", "label", "content", "header", "disabled", "selected", "menuList",
          "closeButton", "body", "footer", "inner", "item", "active", "large", "small"]
CHUNKS = ["index", "vendor", "main", "dashboard", "settings", "chart-utils", "UserProfile",
          "runtime", "polyfills", "react-vendor", "admin-panel", "login", "editor",
          "markdown", "lodash", "checkout", "i18n-messages", "worker"]
LOGICAL = ["WebServerInstance", "MyBucket", "ApiGatewayRestApi", "LambdaFunction",
           "DatabaseCluster", "ServiceRole", "LoadBalancer", "VpcPublicSubnet1",
           "TaskDefinition", "CustomResourceProvider", "LogGroup", "EventRule",
           "NotificationsTopic", "QueueDeadLetter", "AutoScalingGroup"]
STACKS = ["app-prod", "Pipeline", "network-staging", "data-platform", "Api", "frontend-dev",
          "core", "BillingService"]
APPS = ["api", "web", "worker", "billing", "frontend", "deploy", "ingest", "search",
        "notifications", "auth-proxy"]
I18N_PARTS = ["checkout", "payment", "submit", "button", "label", "error", "message",
              "title", "settings", "profile", "save", "cancel", "confirm", "dialog",
              "header", "welcome", "login", "password", "reset", "email", "invalid",
              "required", "field", "placeholder", "tooltip", "description", "summary"]


def draw(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _camel(rng: random.Random, words: list[str], n: int, upper_first: bool = False) -> str:
    parts = [rng.choice(words) for _ in range(n)]
    out = "".join(p[:1].upper() + p[1:] for p in parts)
    return out if upper_first else out[:1].lower() + out[1:]


def css_modules(rng: random.Random) -> str:
    """css-loader's localIdentName `[name]-[local]-[hash:base64:N]` (N 5..8), or
    Next.js's `[name]_[local]__[hash]`, with the team's `ps` namespace in front."""
    name, local = rng.choice(COMPONENTS), rng.choice(LOCALS)
    digest = draw(rng, B64URL, rng.randint(5, 8))
    style = rng.randrange(3)
    if style == 0:
        return f"{P}-{name}-{local}-{digest}"
    if style == 1:
        return f"{P}-{name}_{local}__{digest}"
    kebab = "".join("-" + c.lower() if c.isupper() else c for c in name).lstrip("-")
    return f"{P}-{kebab}-module-{local}-{digest}"


def css_in_js(rng: random.Random) -> str:
    """emotion's `css-<base36 hash>-<Label>` and styled-components' display names
    `<File>__<Component>-sc-<hash>-<n>`, with a `ps` prefix."""
    label = _camel(rng, [*COMPONENTS, "Styled", "Root", "Wrapper", "Icon"], rng.randint(1, 3),
                   upper_first=True)
    digest = draw(rng, BASE36, rng.randint(5, 7))
    style = rng.randrange(3)
    if style == 0:
        return f"{P}-{digest}-{label}"
    if style == 1:
        comp = rng.choice(COMPONENTS)
        return f"{P}-{comp}__{label}-sc-{digest}-{rng.randint(0, 9)}"
    return f"{P}-{label}-{draw(rng, string.ascii_letters, 6)}"  # styled-components class


def chunk_name(rng: random.Random) -> str:
    """Vite/Rollup `[name]-[hash:8]` (base64url), webpack `[name].[contenthash:8]` with a
    dash, and `[name]-[chunkhash:20]` (hex)."""
    name = rng.choice(CHUNKS)
    style = rng.randrange(3)
    if style == 0:
        return f"{P}-{name}-{draw(rng, B64URL, 8)}.js"
    if style == 1:
        return f"{P}-{name}-{draw(rng, HEX, 8)}.css"
    return f"{P}-{name}-{draw(rng, HEX, 20)}.js"


def cloudformation(rng: random.Random) -> str:
    """Physical ids `<stack>-<LogicalId>-<12 or 13 char suffix>`; CDK logical ids end in
    an 8-hex-digit hash; long ones are cut to fit."""
    logical = rng.choice(LOGICAL)
    if rng.random() < 0.6:
        logical += draw(rng, "0123456789ABCDEF", 8)
    if rng.random() < 0.3:
        logical = logical[: rng.randint(8, len(logical))]
    suffix = draw(rng, UPPER36, rng.choice((12, 13)))
    return f"{P}-{rng.choice(STACKS)}-{logical}-{suffix}"


def cloud_names(rng: random.Random) -> str:
    """Kubernetes pods (`<deploy>-<rs hash>-<5>`), Azure `uniqueString()` suffixes (13
    lowercase), Azure naming-convention names and container-app revisions."""
    app = rng.choice(APPS)
    style = rng.randrange(4)
    pod = "bcdfghjklmnpqrstvwxz2456789"
    if style == 0:
        return f"{P}-{app}-{draw(rng, pod, rng.choice((9, 10)))}-{draw(rng, pod, 5)}"
    if style == 1:
        return f"{P}-{app}-{draw(rng, BASE36, 13)}"
    if style == 2:
        region = rng.choice(["eastus", "westeurope", "uksouth", "eastus2"])
        return f"{P}-rg-{app}-{rng.choice(['dev', 'prod', 'test'])}-{region}-00{rng.randint(1, 9)}"
    return f"{P}-{app}--{draw(rng, BASE36, 7)}"  # container app revision


def ulid(rng: random.Random) -> str:
    """A ULID for a recent time (48-bit milliseconds + 80 random bits), upper or lower."""
    ms = rng.randint(1_600_000_000_000, 1_900_000_000_000)
    value = (ms << 80) | rng.getrandbits(80)
    text = "".join(CROCKFORD[(value >> (5 * i)) & 31] for i in range(25, -1, -1))
    return f"{P}-{text if rng.random() < 0.7 else text.lower()}"


def uuid_id(rng: random.Random) -> str:
    u = uuid.UUID(int=rng.getrandbits(128), version=rng.choice((1, 4)))
    text = str(u)
    return f"{P}-{text if rng.random() < 0.7 else text.upper()}"


def i18n_id(rng: random.Random) -> str:
    """camelCase message ids (`checkoutPaymentSubmitButtonLabel`), some with a number
    or a second part after `_` or `-`."""
    text = _camel(rng, I18N_PARTS, rng.randint(3, 5))
    style = rng.randrange(3)
    if style == 1:
        text += f"{rng.choice(['404', '500', '2', '10'])}{_camel(rng, I18N_PARTS, 1, True)}"
    elif style == 2:
        text += rng.choice("_-") + _camel(rng, I18N_PARTS, 2)
    return f"{P}-{text}"


ROWS = ["qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890"]
RUNS = [string.ascii_lowercase, string.ascii_uppercase, string.digits, "abcdef", "ABCDEF"]


def placeholder(rng: random.Random) -> str:
    """What people type for a fake key: alphabet runs and keyboard rows, in either case,
    joined or repeated, cut to a length."""
    pieces = []
    for _ in range(rng.randint(1, 4)):
        piece = rng.choice(ROWS + RUNS)
        if rng.random() < 0.3:
            piece = piece.upper()
        if rng.random() < 0.2:
            piece = piece[::-1]
        pieces.append(piece * rng.randint(1, 3))
    body = "".join(pieces)
    while len(body) < 16:
        body += body
    return f"{P}-{body[: rng.randint(16, min(len(body), 64))]}"


GENERATORS: dict[str, Callable[[random.Random], str]] = {
    "css-modules": css_modules,
    "css-in-js": css_in_js,
    "chunk-names": chunk_name,
    "cloudformation": cloudformation,
    "cloud-names": cloud_names,
    "ulid": ulid,
    "uuid": uuid_id,
    "i18n-ids": i18n_id,
    "placeholders": placeholder,
}


def heldout_words() -> list[str]:
    """Words nobody chose for psguard: English from the docstrings of Python's own
    standard library (a vocabulary the filters were not tuned on), 4..12 letters."""
    import argparse
    import collections
    import json
    import pathlib
    import re
    import subprocess

    words: set[str] = set()
    for module in (argparse, collections, json, pathlib, subprocess, string, random):
        for name in dir(module):
            doc = getattr(getattr(module, name), "__doc__", None)
            if isinstance(doc, str):
                words.update(w.lower() for w in re.findall(r"\b[a-zA-Z]{4,12}\b", doc))
    return sorted(words)


def heldout_name(rng: random.Random, words: list[str]) -> str:
    """A generated name in one of the schemes above, from any vocabulary: CSS Modules,
    emotion, styled-components, a chunk, a CDK physical id, a message id."""
    def camel(n: int, upper: bool) -> str:
        text = "".join(w.capitalize() for w in rng.sample(words, n))
        return text if upper else text[:1].lower() + text[1:]

    style = rng.randrange(6)
    if style == 0:
        return f"{P}-{camel(rng.randint(1, 2), True)}-{camel(1, False)}-{draw(rng, B64URL, 6)}"
    if style == 1:
        return f"{P}-{draw(rng, BASE36, 6)}-{camel(rng.randint(1, 3), True)}"
    if style == 2:
        digest = draw(rng, BASE36, 6)
        return f"{P}-{camel(1, True)}__{camel(1, True)}-sc-{digest}-{rng.randint(0, 9)}"
    if style == 3:
        return f"{P}-{rng.choice(words)}-{draw(rng, B64URL, 8)}.js"
    if style == 4:
        return (f"{P}-{rng.choice(words)}-{camel(2, True)}{draw(rng, '0123456789ABCDEF', 8)}"
                f"-{draw(rng, UPPER36, 12)}")
    return f"{P}-{camel(rng.randint(3, 4), False)}{rng.choice(['', '404'])}{camel(1, True)}"


# -- `ps-` in the middle of other tokens: only the text before it tells -------------------

def jwt_segment(rng: random.Random) -> str:
    """A JWT (or any dotted token) whose payload or signature segment starts `ps-`."""
    header = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
    if rng.random() < 0.5:
        return f"{header}.{draw(rng, B64URL, 60)}.{P}-{draw(rng, B64URL, 40)}"
    return f"{header}.{P}-{draw(rng, B64URL, 50)}.{draw(rng, B64URL, 43)}"


def base64_blob(rng: random.Random) -> str:
    """`/ps-…` inside standard base64, where `/` and `+` are data."""
    head = base64.b64encode(rng.randbytes(rng.randint(30, 90))).decode().rstrip("=")
    return f"{head}/{P}-{draw(rng, string.ascii_letters + string.digits, rng.randint(16, 40))}+x"


def aws_arn(rng: random.Random) -> str:
    """A resource in an ARN, a Lambda function or an IAM role, whatever its name: here a
    generated one no word list knows (`ps-<base36>-<20 random characters>`)."""
    account = rng.randint(10**11, 10**12 - 1)
    random_part = draw(rng, string.ascii_letters + string.digits, 20)
    name = f"{P}-{draw(rng, BASE36, 6)}-{random_part}"
    if rng.random() < 0.5:
        return f"arn:aws:lambda:us-east-1:{account}:function:{name}"
    return f"arn:aws:iam::{account}:role/{name}"


def named_digest(rng: random.Random) -> str:
    """A key's fingerprint or a file's hash, named by its algorithm or after a short
    label: `ps-sha256-<hex>`, `ps-md5_<hex>`, `ps-vendor-<contenthash:20>`."""
    algo = rng.choice(["sha256", "sha1", "md5", "sha512", "xxh64", rng.choice(CHUNKS[:4])])
    digest = draw(rng, HEX, rng.choice((20, 32, 40)))
    return f"{P}-{algo}{rng.choice('-_')}{digest if rng.random() < 0.8 else digest.upper()}"


CONTEXT_GENERATORS: dict[str, Callable[[random.Random], str]] = {
    "jwt-segments": jwt_segment,
    "base64-blobs": base64_blob,
    "aws-arns": aws_arn,
    "named-digests": named_digest,
}
"""Harmless strings whose body alone looks like a key: the text before it tells (or, for
digests, the algorithm's name in it). Each returns the whole line."""
