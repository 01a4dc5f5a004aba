"""JUnit XML: one test case per place a key was seen, for CI systems that show test results.

A clean scan is one passing test case, so the CI test tab shows that the check ran.
Problems that made the scan incomplete are test errors.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from psguard.models import ScanResult
from psguard.report.describe import describe_location
from psguard.report.guidance import accept_line, exposure_label, shown_secret, status_label, steps

# Characters XML 1.0 cannot carry at all, even escaped.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _INVALID_XML.sub("\ufffd", text)


def render(result: ScanResult, *, show_secrets: bool, color: bool) -> str:
    suite = ET.Element("testsuite", name="psguard", time=f"{result.stats.seconds:.3f}")
    tests = failures = errors = skipped = 0
    for f in result.findings:
        shown = shown_secret(f, show_secrets)
        for c in f.candidates:
            tests += 1
            where = _clean(describe_location(c))
            case = ET.SubElement(suite, "testcase", classname=f"psguard.{f.rule}", name=where,
                                 time="0")
            if c.origin.path:
                case.set("file", _clean(c.origin.path))
            if c.line is not None:
                case.set("line", str(c.line))
            summary = (f"Poolside API key {shown} at {where} "
                       f"(verification: {status_label(f.verification.status)}, "
                       f"exposure: {exposure_label(f)})")
            lines = [summary]
            if c.masked_line:
                line = (c.masked_line.replace(f.redacted, f.secret) if show_secrets
                        else c.masked_line)
                lines.append(f"    {line}")
            lines.append("What to do:")
            for i, step in enumerate(steps(f), 1):
                lines.append(f"  {i}. {step.text}" + (f"\n       $ {step.command}"
                                                       if step.command else ""))
            lines.append(accept_line(f))
            body = _clean("\n".join(lines))
            if f.pre_existing:
                skipped += 1
                node = ET.SubElement(case, "skipped",
                                     message=_clean(summary + "; already in HEAD, not blocking"))
            else:
                failures += 1
                node = ET.SubElement(case, "failure", message=_clean(summary), type=f.rule)
            node.text = body
    for p in result.problems:
        if not p.incomplete:
            continue
        tests += 1
        errors += 1
        case = ET.SubElement(suite, "testcase", classname="psguard.scan",
                             name=_clean(f"read {p.target}"), time="0")
        err = ET.SubElement(case, "error", message=_clean(f"{p.kind}: {p.detail}"), type=p.kind)
        err.text = _clean(f"{p.kind}: {p.target}: {p.detail}")
    if tests == 0:
        tests = 1
        ET.SubElement(suite, "testcase", classname="psguard.scan",
                      name=f"no Poolside API keys ({result.mode} scan)", time="0")
    counts = {"tests": str(tests), "failures": str(failures), "errors": str(errors),
              "skipped": str(skipped)}
    suite.attrib.update(counts)
    root = ET.Element("testsuites", {"name": "psguard",
                                     "time": f"{result.stats.seconds:.3f}",
                                     "tests": counts["tests"], "failures": counts["failures"],
                                     "errors": counts["errors"]})
    root.append(suite)
    ET.indent(root)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            + ET.tostring(root, encoding="unicode") + "\n")
