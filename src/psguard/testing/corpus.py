"""A labelled corpus of Poolside-key positives and harmless `ps-` negatives, by form.

Generated at run time: no key (and no key-shaped string) is written in this file. The
prefix is spelled apart and every key body is drawn at random when the corpus is built.
`build_corpus(seed)` returns `Sample`s; `write_corpus(root, samples)` writes them:

    positive/<form>/<file>     holds exactly the keys in Sample.keys
    negative/<form>/<file>     holds no key at all

Forms that take only the key live in `leakforms.py` and `recallforms.py`: add new ones
there. Key shapes: the key alphabet and length are not published, so positives rotate
through base62, base64url and lowercase alphanumerics at lengths 16 to 128, plus hex
bodies (next to a keyword: see `hex_needs_context` in rules/poolside.toml). Bodies are
drawn uniformly at random and redrawn when psguard's filters would drop them; how often
is printed by benchmarks/corpus_report.py (well under 1% of draws, 0 for most shapes),
so the corpus measures forms and encodings, not those rare draws.

Decisions on the negatives: a hex body after `ps-` with no keyword nearby (`ps-` +
a git sha, an md5, a UUID) is treated as an id, not a key: such strings occur in
build ids and cache keys, and a hex key in real use sits next to a variable name or
header that says what it is. Kebab-case names, BEM classes, pod names, SPDX ids,
CSS utilities, placeholders, CLI text, digits-only ids and prefixes glued to a
longer word (`gaps-…`, `maps-…`) are never keys.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import os
import random
import string
import tarfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from psguard.testing import leakforms, recallforms

P = "p" + "s-"  # the prefix, spelled apart so this file holds no key-shaped literal

ALPHABETS = {
    "base62": string.ascii_letters + string.digits,
    "base64url": string.ascii_letters + string.digits + "-_",
    "lower36": string.ascii_lowercase + string.digits,
    "hex": "0123456789abcdef",
}
# (alphabet, length) for the positives of each form, in rotation.
SHAPES = [("base62", 40), ("base64url", 32), ("lower36", 24), ("base62", 16),
          ("base64url", 64), ("lower36", 48), ("base62", 128), ("base64url", 20),
          ("lower36", 16), ("base62", 64)]


@dataclass(frozen=True)
class Sample:
    form: str
    name: str  # file name inside the form's directory
    data: bytes
    keys: tuple[str, ...] = ()  # the keys the file holds; empty for negatives

    @property
    def label(self) -> str:
        return "positive" if self.keys else "negative"

    @property
    def path(self) -> str:
        return f"{self.label}/{self.form}/{self.name}"


def draw_body(rng: random.Random, alphabet: str, length: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(length))


def new_key(rng: random.Random, shape: tuple[str, int]) -> str:
    """A random key of the shape, redrawn while psguard's filters would drop it."""
    from psguard.rules.filters import judge
    from psguard.rules.loader import load_rules

    rule = load_rules().rules[0]
    name, length = shape
    while True:
        body = draw_body(rng, ALPHABETS[name], length)
        verdict = judge(rule, body, has_context=True)
        if verdict in ("medium", "high") and (name == "hex" or judge(rule, body, False)
                                              in ("medium", "high")):
            return P + body


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return buf.getvalue()


def _tar_gz(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tf.addfile(info, io.BytesIO(content))
    return buf.getvalue()


def _notebook(source: list[str], outputs: list[str]) -> bytes:
    nb = {"cells": [{"cell_type": "code", "execution_count": 1, "metadata": {},
                     "source": source,
                     "outputs": [{"output_type": "stream", "name": "stdout",
                                  "text": outputs}]}],
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
          "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(nb, indent=1).encode()


def _minified_js(rng: random.Random, middle: str) -> bytes:
    words = ["function", "return", "var", "const", "this", "null", "props", "state"]
    parts = []
    for i in range(6000):
        parts.append(f"{rng.choice(words)} a{i}=b{i}.c({i});")
        if i == 3000:
            parts.append(middle)
    return "".join(parts).encode()


def _binary(rng: random.Random, middle: bytes) -> bytes:
    head = bytes(rng.randrange(256) for _ in range(4096))
    return b"SQLite format 3\0" + head + middle + b"\0\0" + head[::-1]


# -- positives: form -> builder(rng, key) -> (file name, bytes) -----------------------

Builder = Callable[[random.Random, str], tuple[str, bytes]]

ENV = ("# local settings\nPOOLSIDE_API_KEY={k}\n"
       "POOLSIDE_BASE_URL=https://inference.poolside.ai/v1\n")

# Text forms: (file name, template); `{k}` is replaced by the key.
TEXT_FORMS: dict[str, tuple[str, str]] = {
    "plain": ("notes.txt", "remember to rotate {k} before friday\n"),
    "quoted": ("client.py", 'import os\n\nAPI_KEY = "{k}"\nclient = Client(API_KEY)\n'),
    "quoted-js": ("client.ts", "export const apiKey = '{k}';\n"),
    "url": ("links.md",
            "Callback: https://hooks.example.invalid/notify?api_key={k}&retry=1\n"),
    "env": (".env", ENV),
    "yaml": ("config.yaml", "poolside:\n  base_url: https://inference.poolside.ai/v1\n"
                            "  api_key: {k}\n  timeout: 30\n"),
    "compose": ("docker-compose.yml", "services:\n  app:\n    image: app:latest\n"
                                      "    environment:\n      - POOLSIDE_API_KEY={k}\n"),
    "json": ("settings.json", '{\n  "poolside": {"apiKey": "{k}", "model": "malibu"}\n}\n'),
    "toml": ("settings.toml", '[poolside]\napi_key = "{k}"\n'
                              'endpoint = "https://inference.poolside.ai/v1"\n'),
    "hcl": ("main.tf", 'resource "kubernetes_secret" "poolside" {\n'
                       '  metadata { name = "poolside" }\n'
                       '  data = {\n    api_key = "{k}"\n  }\n}\n'),
    "dockerfile": ("Dockerfile", "FROM python:3.12-slim\nARG POOLSIDE_API_KEY={k}\n"
                                 "RUN pip install poolside\n"),
    "shell": ("deploy.sh", '#!/bin/sh\nset -e\ncurl -sf -H "Authorization: Bearer {k}" '
                           "https://inference.poolside.ai/v1/models\n"),
    "powershell": ("setup.ps1", '$env:POOLSIDE_API_KEY = "{k}"\r\n'
                                "Invoke-RestMethod -Uri https://inference.poolside.ai/v1/models\r\n"),
    "ini": ("app.properties", "poolside.endpoint=https://inference.poolside.ai/v1\n"
                              "poolside.api.key={k}\n"),
    "xml": ("settings.xml", "<settings>\n  <poolside>\n    <apiKey>{k}</apiKey>\n"
                            "  </poolside>\n</settings>\n"),
    "markdown": ("README.md", "## Setup\n\n```bash\nexport POOLSIDE_API_KEY={k}\n```\n"),
    "json-escape": ("escaped.json", '{"url": "https:\\/\\/inference.poolside.ai\\/v1", '
                                    '"key": "{k}"}\n'),  # the key's dash becomes \\u002d
}


def _text(form: str) -> Builder:
    name, template = TEXT_FORMS[form]

    def build(rng: random.Random, k: str) -> tuple[str, bytes]:
        if form == "json-escape":
            k = k[:2] + "\\u002d" + k[3:]
        return name, template.replace("{k}", k).encode()
    return build


def _b64(data: bytes) -> bytes:
    return base64.b64encode(data)


def _env(k: str) -> bytes:
    return ENV.replace("{k}", k).encode()


POSITIVE_FORMS: dict[str, Builder] = {form: _text(form) for form in TEXT_FORMS}
POSITIVE_FORMS.update({
    "notebook": lambda r, k: ("analysis.ipynb", _notebook(
        ["import os\n", "print(os.environ['POOLSIDE_API_KEY'])\n"],
        ["loaded key\n", f"{k}\n"])),
    # The key follows an escaped newline inside one JSON string: `"keys:\\nps-…"`.
    "notebook-escaped": lambda r, k: ("escaped.ipynb", _notebook(
        ["print(key)\n"], [f"keys:\n{k}\nok\n"])),
    "base64": lambda r, k: ("secret.yaml", b"apiVersion: v1\nkind: Secret\nmetadata:\n"
                            b"  name: poolside\ndata:\n  POOLSIDE_API_KEY: "
                            + _b64(k.encode()) + b"\n"),
    "base64-env": lambda r, k: ("ci.yml", b"env:\n  ENCODED_ENV: " + _b64(_env(k)) + b"\n"),
    "base64url": lambda r, k: ("token.txt", b"state=" + base64.urlsafe_b64encode(
        b'{"k":"' + k.encode() + b'"}') + b"\n"),
    "base64-unpadded": lambda r, k: ("cookie.txt", b"session="
                                     + _b64(b"key=" + k.encode()).rstrip(b"=")
                                     + b"; Path=/\n"),
    "base64-file": lambda r, k: ("env.b64", base64.encodebytes(
        b"# lots of settings\n" * 30 + _env(k))),
    "utf-16le": lambda r, k: ("profile.ps1", (
        f'# PowerShell profile\r\n$env:POOLSIDE_API_KEY = "{k}"\r\n').encode("utf-16")),
    "utf-16be": lambda r, k: ("export.txt", f"name=poolside\nkey={k}\n".encode("utf-16-be")),
    "zip": lambda r, k: ("config.zip", zip_bytes({"README.txt": b"settings\n",
                                             "conf/.env": _env(k)})),
    "jar": lambda r, k: ("service.jar", zip_bytes({
        "META-INF/MANIFEST.MF": b"Manifest-Version: 1.0\n",
        "BOOT-INF/classes/application.properties": f"poolside.api-key={k}\n".encode()})),
    "whl": lambda r, k: ("tool-1.0-py3-none-any.whl", zip_bytes({
        "tool/__init__.py": b"", "tool/_settings.py": f'KEY = "{k}"\n'.encode()})),
    "nested-archive": lambda r, k: ("bundle.zip", zip_bytes({
        "lib/inner.jar": zip_bytes({"app.yaml": f"api_key: {k}\n".encode()})})),
    "gzip": lambda r, k: ("env.gz", gzip.compress(_env(k))),
    "tar.gz": lambda r, k: ("backup.tar.gz", _tar_gz({
        "backup/home/.bashrc": f"alias ll='ls -l'\nexport POOLSIDE_API_KEY={k}\n".encode()})),
    "long-line": lambda r, k: ("bundle.min.js", _minified_js(r, f'var cfg={{apiKey:"{k}"}};')),
    "binary": lambda r, k: ("cache.sqlite", _binary(r, f"POOLSIDE_API_KEY\0{k}\0".encode())),
})

# Hex bodies are kept only next to a keyword (rules/poolside.toml: hex_needs_context).
HEX_FORMS: dict[str, Builder] = {
    "hex-env": lambda r, k: (".env", _env(k)),
    "hex-header": lambda r, k: ("call.sh", f'curl -H "Authorization: Bearer {k}" https://inference.poolside.ai/v1/models\n'.encode()),
}
HEX_LENGTHS = (16, 32, 40, 64)


# -- negatives: form -> builder(rng) -> (file name, text with {P} for the prefix) -----

def _bootstrap_css(rng: random.Random) -> str:
    rules = []
    sizes = {"0": "0", "1": ".25rem", "2": ".5rem", "3": "1rem", "4": "1.5rem", "5": "3rem",
             "auto": "auto"}
    for bp in ("", "sm-", "md-", "lg-", "xl-", "xxl-"):
        for s, v in sizes.items():
            rules.append(f".{P}{bp}{s}{{padding-left:{v}!important}}")
            rules.append(f".pe-{bp}{s}{{padding-right:{v}!important}}")
    return "/*! Bootstrap v5.3.3 utilities */\n" + "\n".join(rules) + "\n"


def _pod_hash(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(n))


def _k8s_names(rng: random.Random) -> str:
    lines = []
    for app in ("api", "frontend", "worker", "billing", "ingress-nginx-controller"):
        pod = f"{app}-{_pod_hash(rng, 10)}-{_pod_hash(rng, 5)}"
        lines.append(f"{{P}}{pod}   1/1   Running   0   3d")
    return "NAME   READY   STATUS   RESTARTS   AGE\n" + "\n".join(lines) + "\n"


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def _uuid(rng: random.Random) -> str:
    h = _hex(rng, 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


PLACEHOLDERS = """\
Set `POOLSIDE_API_KEY` to your key, e.g. `{P}xxxxxxxxxxxxxxxxxxxxxxxx`.
POOLSIDE_API_KEY={P}XXXXXXXXXXXXXXXXXXXXXXXXXXXX
POOLSIDE_API_KEY={P}<your-key>
POOLSIDE_API_KEY={P}...
POOLSIDE_API_KEY={P}…
POOLSIDE_API_KEY={P}your-api-key-here
POOLSIDE_API_KEY={P}REPLACE_ME_WITH_YOUR_KEY
POOLSIDE_API_KEY={P}0000000000000000000000
POOLSIDE_API_KEY={P}abcdefghijklmnopqrstuvwxyz
POOLSIDE_API_KEY={P}EXAMPLEKEY1234567890abcdef
POOLSIDE_API_KEY={P}${{ secrets.POOLSIDE_TOKEN }}
api_key: {P}{{ .Values.poolside.apiKey }}
POOLSIDE_API_KEY={P}test
POOLSIDE_API_KEY={P}dummy-key-for-tests-only
POOLSIDE_API_KEY={P}aaaaaaaaaaaaaaaaaaaaaaaa
POOLSIDE_API_KEY={P}ab12ab12ab12ab12ab12ab12
"""

# Fixed negative texts: (file name, text with {P} for the prefix).
NEGATIVE_TEXTS: dict[str, tuple[str, str]] = {
    "html-classes": ("index.html",
                     '<div class="container {P}3 pe-2 {P}md-4 {P}lg-5 ms-auto">\n'
                     '  <span class="d-flex {P}0 {P}sm-2 {P}xl-auto">Hi</span>\n</div>\n'),
    "tailwind": ("App.tsx", 'export const App = () => <div className="{P}4 rtl:{P}2 '
                            '{P}[calc(100%-2rem)] md:{P}8">x</div>;\n'),
    "css-vars-bem": ("theme.scss",
                     ".{P}card__header--active { color: var(--{P}primary-color-hover); }\n"
                     "[data-{P}tooltip-placement] { z-index: 10; }\n"
                     ".{P}navigation-drawer__item--selected { font-weight: 600; }\n"),
    "spdx": ("LICENSES.json",
             '{"licenses": [{"licenseId": "LicenseRef-{P}or-pdf-font-exception-20170817"},\n'
             ' {"licenseId": "{P}or-pdf-font-exception-20170817"},\n'
             ' {"licenseId": "{P}or-later-exception-20240101"}]}\n'),
    "kebab-names": ("deployment.yaml",
                    "metadata:\n  name: {P}worker-deployment-blue-green\n"
                    "  labels:\n    app: {P}analytics-pipeline-v2\n"
                    "    release: {P}ingress-nginx-controller\n"
                    "spec:\n  serviceAccountName: {P}data-platform-readonly\n"),
    "camel-names": ("names.txt", "{P}ServiceAccountProductionCluster\n"
                                 "{P}GetUserSettingsHandler\n{P}InternationalizationHelpers\n"),
    "placeholders": ("README.md", PLACEHOLDERS),
    "perfect-scrollbar": ("perfect-scrollbar.css",
                          ".ps{overflow:hidden!important;overflow-anchor:none}\n"
                          ".{P}-active-x>.ps__rail-x,.{P}-active-y>.ps__rail-y{display:block}\n"
                          ".{P}-focus>.ps__rail-x,.{P}-scrolling-x>.ps__rail-x{opacity:.6}\n"),
    "cli-text": ("runbook.sh", "ps -ef | grep python\nps aux --sort=-%mem | head\n"
                               "watch -n1 '{P}aux'\nalias {P}tree='pstree -p'\n"
                               "Get-Process | Sort-Object CPU  # {P}equivalent-on-windows\n"),
    "numeric-ids": ("tickets.txt", "fixed in {P}1700000000123 and {P}2024-01-15-0930-0001\n"
                                   "see {P}123456789012345678\n"),
}


def _hash_ids(r: random.Random) -> str:
    return (f"artifact {P}{_hex(r, 40)} uploaded\ncache key {P}{_hex(r, 32)}\n"
            f"request {P}{_uuid(r)} done\ncommit {P}{_hex(r, 7)}\n"
            f"digest {P}{_hex(r, 64)}\n")


def _glued(r: random.Random) -> str:
    words = ("gaps", "maps", "x", "foo-", "a_", "9")
    return "".join(f"{w}{P}{draw_body(r, ALPHABETS['base62'], 32)}\n" for w in words)


def _negative_data(form: str, rng: random.Random) -> tuple[str, bytes]:
    if form in NEGATIVE_TEXTS:
        name, text = NEGATIVE_TEXTS[form]
        return name, text.replace("{P}", P).encode()
    css = _bootstrap_css(rng)
    builders: dict[str, Callable[[], tuple[str, bytes]]] = {
        "css-bootstrap": lambda: ("utilities.css", css.encode()),
        "css-minified": lambda: ("bootstrap.min.css", css.replace("\n", "").encode() * 40),
        "k8s-pods": lambda: ("pods.txt", _k8s_names(rng).replace("{P}", P).encode()),
        "hash-ids": lambda: ("build.log", _hash_ids(rng).encode()),
        "glued-prefix": lambda: ("glued.txt", _glued(rng).encode()),
        "base64-css": lambda: ("style.b64", base64.encodebytes(css.encode())),
        "base64-random": lambda: ("image.json", json.dumps(
            {"png": base64.b64encode(os.urandom(30000)).decode()}).encode()),
        "utf-16-cli": lambda: ("notes-utf16.txt", (
            f'ps -ef\r\nclass="{P}md-4 {P}3"\r\n').encode("utf-16")),
        "zip-css": lambda: ("theme.zip", zip_bytes({"css/utilities.css": css.encode()})),
        "gzip-css": lambda: ("utilities.css.gz", gzip.compress(css.encode())),
        "notebook-css": lambda: ("styles.ipynb", _notebook(
            [f"html = '<div class=\"{P}3\">'\n"], [css])),
    }
    return builders[form]()


NEGATIVE_FORMS = [*NEGATIVE_TEXTS, "css-bootstrap", "css-minified", "k8s-pods", "hash-ids",
                  "glued-prefix", "base64-css", "base64-random", "utf-16-cli", "zip-css",
                  "gzip-css", "notebook-css"]


def build_corpus(seed: int) -> list[Sample]:
    rng = random.Random(seed)
    samples: list[Sample] = []
    for i, (form, builder) in enumerate(POSITIVE_FORMS.items()):
        key = new_key(rng, SHAPES[i % len(SHAPES)])
        name, data = builder(rng, key)
        samples.append(Sample(form, name, data, (key,)))
    for form, builder in HEX_FORMS.items():
        for length in HEX_LENGTHS:
            key = new_key(rng, ("hex", length))
            name, data = builder(rng, key)
            samples.append(Sample(form, f"{length}-{name}", data, (key,)))
    # Issue 18's forms, each builder taking the key (leakforms.py, recallforms.py).
    for i, (form, build) in enumerate({**leakforms.POSITIVE, **recallforms.POSITIVE}.items()):
        key = new_key(rng, SHAPES[i % len(SHAPES)])
        samples.append(Sample(form, *build(key), (key,)))
    # Every shape in one form, bare (no keyword), so the table shows each alphabet.
    for name, length in sorted({*SHAPES, ("base62", 24), ("base64url", 128),
                                ("lower36", 128)}):
        key = new_key(rng, (name, length))
        samples.append(Sample("shapes", f"{name}-{length}.txt",
                              f"value: {key}\n".encode(), (key,)))
    for form in NEGATIVE_FORMS:
        name, data = _negative_data(form, rng)
        samples.append(Sample(form, name, data))
    return samples


def write_corpus(root: Path, samples: list[Sample]) -> None:
    for s in samples:
        target = root / s.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(s.data)
