"""Real-world precision: psguard, kingfisher and gitleaks side by side on published
packages likely to hold harmless `ps-` strings (compiled CSS with Bootstrap's `ps-*`
utilities, UI kits built with CSS Modules and CSS-in-JS, cloud SDKs with generated
names), downloaded by name from the npm registry and PyPI.

    python benchmarks/precision_packages.py [--cache DIR] [--target-gb 1.0] [--skip-download]

Packages are fetched with the registries' own clients (`npm pack`, `pip download
--no-deps`) into the cache (default ~/.cache/psguard-bench/packages), unpacked once, and
scanned as one directory tree. None of these packages holds a Poolside key, so every
finding is a false positive to triage: psguard's are listed (redacted, with the path).
Findings are counted as distinct secrets, per GB of unpacked content, per confidence.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from peers import find_tool, kingfisher_args, psguard_command, write_peer_rules  # noqa: E402

# npm packages: compiled CSS/JS with `ps-` utilities, CSS Modules and CSS-in-JS UI kits,
# design systems, and cloud SDKs with generated resource names.
NPM = [
    "bootstrap", "@coreui/coreui", "@coreui/coreui-pro", "bootstrap-icons", "mdb-ui-kit",
    "react-bootstrap", "reactstrap", "bootstrap-vue", "@tabler/core", "admin-lte",
    "@mui/material", "@mui/icons-material", "@mui/x-data-grid", "@chakra-ui/react",
    "@mantine/core", "antd", "@ant-design/icons", "@emotion/react", "styled-components",
    "@fluentui/react", "@blueprintjs/core", "primereact", "primevue", "semantic-ui-css",
    "@carbon/styles", "carbon-components", "@patternfly/patternfly", "@patternfly/react-core",
    "aws-cdk-lib", "@aws-cdk/aws-amplify-alpha", "@pulumi/aws", "@azure/arm-resources",
    "tailwindcss", "daisyui", "flowbite", "@radix-ui/themes", "@coreui/react",
    "perfect-scrollbar", "@fortawesome/fontawesome-free", "swiper", "vuetify", "quasar",
    "element-plus", "@primer/css", "@primer/react", "@atlaskit/css-reset", "rsuite",
    # packages named `ps-…` or built around perfect-scrollbar's `ps__`/`ps--` classes
    "ps-tree", "ps-list", "ps-node", "react-perfect-scrollbar", "vue3-perfect-scrollbar",
]
# PyPI packages with static assets (compiled CSS, JS bundles, templates).
PYPI = [
    "django-bootstrap5", "crispy-bootstrap5", "dash-bootstrap-components", "dash",
    "streamlit", "panel", "bokeh", "jupyterlab", "notebook", "gradio", "django",
    "wagtail", "sphinx-book-theme", "pydata-sphinx-theme", "mkdocs-material",
    "awscli", "aws-cdk-lib", "plotly", "flask-admin", "django-jazzmin",
]


def unpacked_size(root: Path) -> int:
    return sum(f.stat().st_size for f in root.rglob("*") if f.is_file() and not f.is_symlink())


def fetch_npm(name: str, dest: Path, downloads: Path) -> bool:
    out = subprocess.run(["npm", "pack", name, "--json", "--pack-destination", str(downloads)],
                         capture_output=True, text=True, cwd=downloads)
    if out.returncode != 0:
        print(f"npm {name}: {out.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return False
    filename = json.loads(out.stdout)[0]["filename"]
    with tarfile.open(downloads / filename) as tf:
        tf.extractall(dest, filter="data")
    return True


def fetch_pypi(name: str, dest: Path, downloads: Path) -> bool:
    before = set(downloads.iterdir())
    out = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q",
                          "-d", str(downloads), name], capture_output=True, text=True)
    new = list(set(downloads.iterdir()) - before)
    if out.returncode != 0 or not new:
        print(f"pypi {name}: {out.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return False
    for archive in new:
        if archive.suffix in (".whl", ".zip"):
            with zipfile.ZipFile(archive) as zf:
                zf.extractall(dest)
        else:
            with tarfile.open(archive) as tf:
                tf.extractall(dest, filter="data")
    return True


def build_corpus(cache: Path, target: int) -> Path:
    root = cache / "unpacked"
    downloads = cache / "downloads"
    root.mkdir(parents=True, exist_ok=True)
    downloads.mkdir(parents=True, exist_ok=True)
    for registry, names, fetch in (("npm", NPM, fetch_npm), ("pypi", PYPI, fetch_pypi)):
        for name in names:
            dest = root / registry / name.replace("/", "__")
            if dest.exists():
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(dir=root))
            if fetch(name, tmp, downloads):
                tmp.rename(dest)
            else:
                shutil.rmtree(tmp, ignore_errors=True)
    size = unpacked_size(root)
    if size < target:
        print(f"note: {size / 1e9:.2f} GB unpacked, below the {target / 1e9:.2f} GB aimed at",
              file=sys.stderr)
    return root


def psguard_findings(root: Path) -> list[dict[str, object]]:
    proc = subprocess.run([*psguard_command(), "scan", str(root), "--format", "json",
                           "--min-confidence", "low"], capture_output=True, text=True)
    if proc.returncode not in (0, 1, 3):
        raise SystemExit(f"psguard failed ({proc.returncode}): {proc.stderr[-500:]}")
    findings: list[dict[str, object]] = json.loads(proc.stdout)["findings"]
    return findings


def redact(secret: str) -> str:
    return secret[:3] + "…" + secret[-4:] if len(secret) > 8 else "…"


def peer_findings(name: str, root: Path, work: Path) -> set[tuple[str, str]] | None:
    """(redacted secret, path) of each finding of a peer, or None when it is missing."""
    tool = find_tool(name)
    if tool is None:
        print(f"{name}: not found; skipped", file=sys.stderr)
        return None
    kf_rule, gl_rule = write_peer_rules(work / "rules")
    out = work / f"{name}.json"
    if name == "kingfisher":
        subprocess.run([tool, "scan", str(root), *kingfisher_args(kf_rule),
                        "--no-update-check", "-o", str(out)], capture_output=True)
        data = json.loads(out.read_text() or "{}") if out.exists() else {}
        return {(f["finding"]["snippet"], str(f["finding"].get("path", "")))
                for f in data.get("findings", [])}
    subprocess.run([tool, "dir", str(root), "-c", str(gl_rule), "--report-format", "json",
                    "--report-path", str(out), "--no-banner", "--exit-code", "0",
                    "--max-archive-depth", "4"], capture_output=True)
    rows = json.loads(out.read_text() or "[]") if out.exists() else []
    return {(r["Secret"], str(r.get("File", ""))) for r in rows}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path,
                    default=Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
                    / "psguard-bench" / "packages")
    ap.add_argument("--target-gb", type=float, default=1.0)
    ap.add_argument("--skip-download", action="store_true")
    args = ap.parse_args()
    root = (args.cache / "unpacked" if args.skip_download
            else build_corpus(args.cache, int(args.target_gb * 1e9)))
    gb = unpacked_size(root) / 1e9
    print(f"corpus: {root} ({gb:.3f} GB unpacked)")
    findings = psguard_findings(root)
    by_conf = Counter(str(f["confidence"]) for f in findings)
    rows = [("psguard high", by_conf["high"]),
            ("psguard medium+ (default)", by_conf["high"] + by_conf["medium"]),
            ("psguard low+", len(findings))]
    peers: dict[str, set[tuple[str, str]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("kingfisher", "gitleaks"):
            got = peer_findings(name, root, Path(tmp))
            if got is not None:
                peers[name] = got
                rows.append((name, len({secret for secret, _ in got})))
    print(f"{'tool':<28} {'distinct findings':>18} {'per GB':>10}")
    for name, n in rows:
        print(f"{name:<28} {n:>18} {n / gb if gb else 0:>10.2f}")
    print("\npsguard findings (every one is a false positive to triage):")
    for f in sorted(findings, key=lambda f: str(f["confidence"])):
        secret = f["secret"]
        assert isinstance(secret, dict)
        locs = f["locations"]
        assert isinstance(locs, list)
        where = ", ".join(str(loc["path"]) for loc in locs[:3])
        print(f"  {f['confidence']:<7} {secret['redacted']:<14} {where}")
    for name, got in peers.items():
        print(f"\n{name} findings (redacted, with the path):")
        for secret, path in sorted(got, key=lambda sp: sp[1]):
            print(f"  {redact(secret):<14} {os.path.relpath(path, root) if path else '?'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
