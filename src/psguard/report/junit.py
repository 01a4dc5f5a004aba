"""JUnit XML: one test case per place a key was seen, for CI systems that show test results.

A clean scan is one passing test case, so the CI test tab shows that the check ran.
Problems that made the scan incomplete are test errors.
Names, messages and text show control characters as visible escapes (they are shown
in CI pages and terminals); the `file` attribute keeps the path, less what XML 1.0
cannot hold at all. ElementTree escapes the markup.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from psguard.escape import terminal, xml
from psguard.models import ScanResult
from psguard.report.describe import (
    describe_location,
    policy_change_text,
    reach_line,
    report_only_text,
)
from psguard.report.guidance import accept_line, exposure_label, shown_secret, status_label, steps


def render(result: ScanResult, *, show_secrets: bool, color: bool) -> str:
    suite = ET.Element("testsuite", name="psguard", time=f"{result.stats.seconds:.3f}")
    tests = failures = errors = skipped = 0
    for f in result.findings:
        shown = shown_secret(f, show_secrets)
        for c in f.candidates:
            tests += 1
            where = terminal(describe_location(c))
            case = ET.SubElement(suite, "testcase", classname=f"psguard.{f.rule}", name=xml(where),
                                 time="0")
            if c.origin.path:
                case.set("file", xml(c.origin.path))
            if c.line is not None:
                case.set("line", str(c.line))
            summary = (f"Poolside API key {shown} at {where} "
                       f"(verification: {status_label(f.verification.status)}, "
                       f"exposure: {exposure_label(f)})")
            lines = [summary]
            reach = reach_line(f)
            if reach:
                lines.append(terminal(reach))
            if c.masked_line:
                line = (c.masked_line.replace(f.redacted, f.secret) if show_secrets
                        else c.masked_line)
                lines.append(f"    {terminal(line)}")
            lines.append("What to do:")
            for i, step in enumerate(steps(f), 1):
                lines.append(f"  {i}. {terminal(step.text)}" + (
                    f"\n       $ {terminal(step.command)}" if step.command else ""))
            lines.append(accept_line(f))
            body = xml("\n".join(lines))
            if f.pre_existing:
                skipped += 1
                node = ET.SubElement(case, "skipped",
                                     message=xml(summary + "; already in HEAD, not blocking"))
            else:
                failures += 1
                node = ET.SubElement(case, "failure", message=xml(summary), type=f.rule)
            node.text = body
    for p in result.problems:
        if not p.incomplete:
            continue
        tests += 1
        errors += 1
        case = ET.SubElement(suite, "testcase", classname="psguard.scan",
                             name=xml(terminal(f"read {p.target}")), time="0")
        err = ET.SubElement(case, "error", message=xml(terminal(f"{p.kind}: {p.detail}")),
                            type=xml(terminal(p.kind)))
        err.text = xml(terminal(f"{p.kind}: {p.target}: {p.detail}"))
    if tests == 0:
        tests = 1
        ET.SubElement(suite, "testcase", classname="psguard.scan",
                      name=f"no Poolside API keys ({result.mode} scan)", time="0")
    # not tests of their own: neither fails the gate (a report-only run cannot fail)
    said = [t for t in (report_only_text(result), policy_change_text(result)) if t]
    if said:
        ET.SubElement(suite, "system-out").text = xml(terminal("\n".join(said)))
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
