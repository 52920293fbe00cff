"""Credential-looking text in the cells whose code or values go into the flow script.

A warning by default, an error with --strict. The message names the cell and
line and what was found, never the secret itself.
"""

from __future__ import annotations

import re

from etlnb.cells import ParsedCell
from etlnb.diagnostics import Diagnostic

# cells whose text ends up in generated code (sample values are written as SAMPLE_PARAMETERS)
SCANNED_ROLES = ("parameters", "imports", "functions", "extract", "transform", "load", "validate", "sample")

PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("an AWS access key id", re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])")),
    (
        "an AWS secret access key",
        re.compile(r"(?i)aws_?secret_?(?:access_?)?key\W{0,5}[\"'][A-Za-z0-9/+=]{40}[\"']"),
    ),
    ("a private key", re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----")),
    (
        "a password, token or secret literal",
        re.compile(r"(?i)\b(?:password|passwd|pwd|secret|token|api_?key)\b\s*[:=]\s*[\"'][^\"'\s]{4,}[\"']"),
    ),
    ("credentials in a URL", re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@\"']+:[^/\s@\"']+@")),
)


def scan(path: str, parsed: list[ParsedCell], strict: bool) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    severity = "error" if strict else "warning"
    for pc in parsed:
        if pc.rc.role not in SCANNED_ROLES:
            continue
        for number, line in enumerate(pc.rc.cell.source.split("\n"), start=1):
            for what, pattern in PATTERNS:
                if pattern.search(line):
                    found.append(
                        Diagnostic(
                            severity,  # type: ignore[arg-type]
                            f"this line looks like it holds {what}; it would be copied into the flow script",
                            path,
                            pc.rc.cell.index,
                            pc.rc.cell.id,
                            number,
                            "read it at run time instead (os.environ, a Prefect Secret block, boto3's credential chain)",
                        )
                    )
                    break
    return found
