"""Leak forms found by thinking like the builders of issue 18's hidden set (the second
round): places and encodings a key really travels in that the first corpora lacked.
Built at run time with the real libraries (quopri, email, marshal, base64):

- quoted-printable with the key cut by a soft line break (`=` and LF or CRLF), at
  several places in the prefix and the body, and a MIME part written by `email`;
- two layers of base64 in general (a config file in a Kubernetes Secret held in a CI
  variable, JSON in JSON), base64 of UTF-16 (PowerShell's `-EncodedCommand`), base64
  of xz and bzip2 streams;
- HTML and XML character references, C/JavaScript `\\x` and octal escapes, the repr of
  UTF-16 bytes, percent-encoding of every byte;
- a compiled Python module (`.pyc`: marshal's short strings); zlib streams in a PDF
  (FlateDecode), in PNG text chunks, and a file that is one zlib stream;
- escapes right before the key: a terminal colour code in a CI log, Go's `\\u003e` in
  a JSON log line, `%253D` (a URL inside a URL), PowerShell's `` `n ``.

Each builder takes the key and returns (file name, bytes).
"""

from __future__ import annotations

import base64
import bz2
import importlib.util
import json
import lzma
import marshal
import quopri
import struct
import zlib
from collections.abc import Callable
from email import charset
from email.mime.text import MIMEText


def qp_cut(key: str, at: int, crlf: bool = False) -> bytes:
    """A quoted-printable e-mail whose 76-column soft break falls `at` characters into
    the key (after `=3D`, which takes three columns)."""
    pad = "x" * (75 - at - len("POOLSIDE_API_KEY=") - 2)
    body = quopri.encodestring(f"{pad}POOLSIDE_API_KEY={key} (staging)\n".encode())
    head = b"From: ops@example.invalid\nSubject: key\nMIME-Version: 1.0\n" \
           b"Content-Type: text/plain; charset=utf-8\n" \
           b"Content-Transfer-Encoding: quoted-printable\n\n"
    out = head + body
    return out.replace(b"\n", b"\r\n") if crlf else out


def qp_mime(key: str) -> bytes:
    """A MIME part written by the standard library's e-mail package."""
    cs = charset.Charset("utf-8")
    cs.body_encoding = charset.QP
    msg = MIMEText("", "plain")
    msg.set_payload(f"Hi team, the staging key is {key} and it rotates monthly. "
                    "Reach out to the platform team for the production one.\n", cs)
    msg["Subject"] = "staging access"
    return msg.as_bytes()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def secret_in_ci_variable(key: str) -> bytes:
    """A config file, base64 in a Kubernetes Secret, the Secret base64 in a CI file."""
    config = f"poolside:\n  base_url: https://inference.poolside.ai/v1\n  api_key: {key}\n"
    secret = ("apiVersion: v1\nkind: Secret\nmetadata:\n  name: poolside\n"
              f"data:\n  config.yaml: {b64(config.encode())}\n")
    return f"variables:\n  K8S_SECRET_B64: {b64(secret.encode())}\n".encode()


def json_in_json_b64(key: str) -> bytes:
    inner = b64(json.dumps({"apiKey": key}).encode())
    return f"TOKEN={b64(json.dumps({'kind': 'cfg', 'data': inner}).encode())}\n".encode()


def powershell_encoded(key: str) -> bytes:
    command = f"$env:POOLSIDE_API_KEY = '{key}'; ./deploy.ps1"
    return f"powershell.exe -NoProfile -EncodedCommand {b64(command.encode('utf-16-le'))}\n" \
        .encode()


def pyc(key: str) -> bytes:
    code = compile(f"POOLSIDE_API_KEY = {key!r}\nTIMEOUT = 30\n", "settings.py", "exec")
    return importlib.util.MAGIC_NUMBER + bytes(12) + marshal.dumps(code)


def pdf(key: str) -> bytes:
    """A one-page PDF whose content stream is compressed (FlateDecode), as exporters write."""
    stream = zlib.compress(f"BT /F1 11 Tf 72 700 Td (POOLSIDE_API_KEY={key}) Tj ET".encode())
    return (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
            b"4 0 obj\n<< /Length " + str(len(stream)).encode() + b" /Filter /FlateDecode >>\n"
            b"stream\n" + stream + b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")


def png(key: str, chunk: bytes) -> bytes:
    """A 1x1 PNG with the key in a compressed text chunk (zTXt, or iTXt compressed)."""
    def part(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body)))
    text = zlib.compress(f"POOLSIDE_API_KEY={key}".encode())
    body = (b"Comment\0\0" + text if chunk == b"zTXt"
            else b"Comment\0\x01\0en\0Comment\0" + text)
    return (b"\x89PNG\r\n\x1a\n" + part(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
            + part(chunk, body) + part(b"IDAT", zlib.compress(b"\0\0")) + part(b"IEND", b""))


def html_all(key: str, hexa: bool) -> bytes:
    chars = "".join(f"&#x{ord(c):x};" if hexa else f"&#{ord(c)};" for c in key)
    return f"<p>Your key: <code>{chars}</code></p>\n".encode()


def c_hex(key: str) -> bytes:
    return ('static const char *key = "' + "".join(f"\\x{ord(c):02x}" for c in key)
            + '";\n').encode()


def c_octal(key: str) -> bytes:
    return ('char key[] = "' + "".join(f"\\{ord(c):03o}" for c in key) + '";\n').encode()


ENV = "POOLSIDE_API_KEY={k}\n"

POSITIVE: dict[str, Callable[[str], tuple[str, bytes]]] = {
    "qp-cut-prefix": lambda k: ("prefix.eml", qp_cut(k, 1)),
    "qp-cut-prefix-crlf": lambda k: ("prefix-crlf.eml", qp_cut(k, 2, crlf=True)),
    "qp-cut-body": lambda k: ("body.eml", qp_cut(k, 12)),
    "qp-cut-late": lambda k: ("late.mbox", qp_cut(k, 22, crlf=True)),
    "qp-mime": lambda k: ("note.eml", qp_mime(k)),
    "base64-nested-config": lambda k: (".gitlab-ci.yml", secret_in_ci_variable(k)),
    "base64-nested-json": lambda k: ("token.env", json_in_json_b64(k)),
    "base64-utf16": lambda k: ("deploy.cmd", powershell_encoded(k)),
    "base64-xz": lambda k: ("blob.yaml", f"env: {b64(lzma.compress(ENV.format(k=k).encode()))}\n"
                            .encode()),
    "base64-bzip2": lambda k: ("blob2.yaml",
                               f"env: {b64(bz2.compress(ENV.format(k=k).encode()))}\n".encode()),
    "html-entities": lambda k: ("key.html", html_all(k, hexa=False)),
    "html-entities-hex": lambda k: ("key-hex.html", html_all(k, hexa=True)),
    "html-dash": lambda k: ("docs.html", f"<td>{k[:2]}&#45;{k[3:]}</td>\n".encode()),
    "xml-dash": lambda k: ("settings.plist",
                           f"<key>apiKey</key><string>{k[:2]}&#x2D;{k[3:]}</string>\n".encode()),
    "c-hex-escapes": lambda k: ("key.c", c_hex(k)),
    "c-octal-escapes": lambda k: ("key.h", c_octal(k)),
    "python-utf16-repr": lambda k: ("dump.txt", (repr(k.encode("utf-16-le")) + "\n").encode()),
    "percent-every-byte": lambda k: ("redirect.log", (
        "GET /cb?token=" + "".join(f"%{b:02X}" for b in k.encode()) + " 302\n").encode()),
    "pyc": lambda k: ("settings.cpython-312.pyc", pyc(k)),
    "pdf-flate": lambda k: ("runbook.pdf", pdf(k)),
    "png-ztxt": lambda k: ("screenshot.png", png(k, b"zTXt")),
    "png-itxt": lambda k: ("screenshot2.png", png(k, b"iTXt")),
    "zlib": lambda k: ("settings.z", zlib.compress(ENV.format(k=k).encode())),
    # Escapes right before the key (boundaries, not glue).
    "ansi-log": lambda k: ("ci-job.log", f"\x1b[32mINFO\x1b[0m using key \x1b[1m{k}\x1b[0m\n"
                           .encode()),
    "go-json-log": lambda k: ("server.log", (
        '2026-12-07T10:00:00Z level=info msg={"html":"\\u003ccode\\u003e'
        f'{k}\\u003c/code\\u003e"}}\n').encode()),
    "percent-twice": lambda k: ("access2.log", f"GET /login?next=%2Fcb%253Fkey%253D{k} 302\n"
                                .encode()),
    "powershell-newline": lambda k: ("notify.ps1", f'Write-Host "Key:`n{k}"\n'.encode()),
}
