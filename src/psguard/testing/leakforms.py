"""Leak forms the first corpus did not have (issue 18), built at run time with the real
libraries and formats: keys in SQLite rows, pickles, msgpack and protobuf messages, after
percent and quoted-printable escapes, two layers of base64 (a registry auth inside a
Kubernetes Secret's .dockerconfigjson), xz and bzip2 streams, `\\uXXXX`-escaped
.properties files and hex. And harmless generated names (psguard.testing.lookalikes)
inside an office document and after base64, which must stay silent.

Each builder takes the key and returns (file name, bytes). A committed `.patch` needs a
repository (git format-patch): the tests build it.
"""

from __future__ import annotations

import base64
import bz2
import hashlib
import io
import json
import lzma
import os
import pickle
import quopri
import sqlite3
import tempfile
import urllib.parse
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any


def sqlite_db(key: str) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "app.db")
        con = sqlite3.connect(path)
        con.execute("create table settings (name text, value text)")
        con.executemany("insert into settings values (?, ?)",
                        [("theme", "dark"), ("POOLSIDE_API_KEY", key), ("lang", "en")])
        con.commit()
        con.close()
        with open(path, "rb") as fh:
            return fh.read()


def sqlite_single_column(key: str) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "keys.db")
        con = sqlite3.connect(path)
        con.execute("create table keys (value text)")
        con.execute("insert into keys values (?)", (key,))
        con.commit()
        con.close()
        with open(path, "rb") as fh:
            return fh.read()


def pickled(key: str, protocol: int) -> bytes:
    return pickle.dumps({"provider": "poolside", "key": key}, protocol=protocol)


def msgpack_map(key: str) -> bytes:
    """{"key": <key>} by hand: fixmap of 1, fixstr "key", str8 (0xd9, length) value."""
    raw = key.encode()
    return b"\x81\xa3key" + (b"\xd9" + bytes([len(raw)]) + raw if len(raw) < 256 else b"")


def protobuf_message(key: str, field: int = 2) -> bytes:
    """field 1: "poolside"; field `field`: the key (length-delimited, one-byte length)."""
    raw = key.encode()
    name = b"poolside"
    return (bytes([1 << 3 | 2, len(name)]) + name
            + bytes([field << 3 | 2, len(raw)]) + raw + b"\x18\x01")


def percent_encoded(key: str) -> bytes:
    query = urllib.parse.urlencode({"api_key": "=" + key, "q": '"' + key + '"'})
    return f"GET /v1/models?{query} HTTP/1.1\n".encode()


def quoted_printable(key: str) -> bytes:
    body = quopri.encodestring(f"POOLSIDE_API_KEY={key}\n".encode())
    return (b"Content-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\n"
            + body)


def docker_secret(key: str) -> bytes:
    auth = base64.b64encode(f"deploy-bot:{key}".encode()).decode()
    config = json.dumps({"auths": {"registry.example.invalid": {"auth": auth}}})
    outer = base64.b64encode(config.encode()).decode()
    return (f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: regcred\n"
            f"type: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: {outer}\n"
            ).encode()


def properties_escaped(key: str) -> bytes:
    escaped = "".join(f"\\u{ord(c):04x}" for c in key)
    return f"# generated\npoolside.endpoint=https://inference.poolside.ai/v1\npoolside.key={escaped}\n".encode()


def hex_encoded(key: str) -> bytes:
    return f"-- dump\nINSERT INTO secrets VALUES (1, X'{key.encode().hex()}');\n".encode()


def docx(paragraphs: list[str]) -> bytes:
    """A minimal Word document: [Content_Types].xml and word/document.xml."""
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    doc = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/'
           f'main"><w:body>{body}</w:body></w:document>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        zf.writestr("word/document.xml", doc)
    return buf.getvalue()


ENV = "POOLSIDE_API_KEY={k}\n"

POSITIVE: dict[str, Callable[[str], tuple[str, bytes]]] = {
    "sqlite": lambda k: ("app.db", sqlite_db(k)),
    "sqlite-one-column": lambda k: ("keys.db", sqlite_single_column(k)),
    "pickle-2": lambda k: ("state2.pkl", pickled(k, 2)),
    "pickle-4": lambda k: ("state4.pkl", pickled(k, 4)),
    "pickle-5": lambda k: ("state5.pkl", pickled(k, 5)),
    "msgpack": lambda k: ("cache.msgpack", msgpack_map(k)),
    "protobuf": lambda k: ("request.pb", protobuf_message(k)),
    "protobuf-field-6": lambda k: ("request6.pb", protobuf_message(k, 6)),
    "percent": lambda k: ("access.log", percent_encoded(k)),
    "quoted-printable": lambda k: ("mail.eml", quoted_printable(k)),
    "docker-secret": lambda k: ("regcred.yaml", docker_secret(k)),
    "xz": lambda k: ("env.xz", lzma.compress(ENV.format(k=k).encode())),
    "bzip2": lambda k: ("env.bz2", bz2.compress(ENV.format(k=k).encode())),
    "properties-escaped": lambda k: ("app.properties", properties_escaped(k)),
    "hex": lambda k: ("dump.sql", hex_encoded(k)),
    "docx": lambda k: ("handover.docx", docx(["Poolside key for the demo:", k])),
}


def negative_names_in_containers(names: list[str]) -> dict[str, bytes]:
    """Generated names inside a Word document and after base64 (must stay silent)."""
    css = "\n".join(f".{n} {{ color: red; }}" for n in names).encode()
    return {"styles.docx": docx(names),
            "styles.b64.json": json.dumps({"css": base64.b64encode(css).decode()}).encode(),
            "styles.css.xz": lzma.compress(css)}


def write_forms(root: Path, builders: Iterable[Callable[[str], tuple[str, bytes]]],
                length: int) -> dict[str, str]:
    """Each form, with a fresh key of this body length, written under root: the file's
    name and the sha256 of the key in it."""
    from psguard.testing.keys import make_key

    expected: dict[str, str] = {}
    for build in builders:
        key = make_key(length)
        name, data = build(key)
        (root / name).write_bytes(data)
        expected[name] = hashlib.sha256(key.encode()).hexdigest()
    return expected


def found_by_path(report: dict[str, Any]) -> dict[str, set[str]]:
    """A JSON report's findings: each path and the sha256 of the keys found there."""
    out: dict[str, set[str]] = {}
    for f in report["findings"]:
        for loc in f["locations"]:
            out.setdefault(loc["path"], set()).add(f["secret"]["sha256"])
    return out
