"""The pinned dependencies (requirements/constraints.txt) against known vulnerabilities, with
pip-audit. Findings that are accepted are listed, each with its reason, in
requirements/audit-accepted.txt (`VULN-ID  package  why`); anything else fails.

pip-audit asks a vulnerability service (PyPI's JSON API, or OSV). Where neither answers (a
machine that reaches only a package mirror, as CI's may), the audit cannot run and the test
skips saying so; this is the one skip CI allows, because the project cannot supply the
service. `scripts/audit-deps` runs the same audit by hand.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
CONSTRAINTS = ROOT / "requirements" / "constraints.txt"
ACCEPTED = ROOT / "requirements" / "audit-accepted.txt"
PROBE = "https://pypi.org/pypi/pip/26.3/json"


def service_answers() -> bool:
    try:
        with urllib.request.urlopen(PROBE, timeout=10) as answer:  # noqa: S310 - a fixed https URL
            return bool(json.load(answer).get("info"))
    except (urllib.error.URLError, OSError, ValueError):
        return False


def accepted() -> dict[str, str]:
    found = {}
    for line in ACCEPTED.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            vuln, package, why = line.split(maxsplit=2)
            found[vuln] = f"{package}: {why}"
    return found


def test_the_accepted_findings_each_give_a_reason():
    for vuln, reason in accepted().items():
        assert len(reason.split(":", 1)[1].strip()) >= 20, vuln


def test_no_pinned_dependency_has_an_unaccepted_known_vulnerability():
    if not service_answers():
        pytest.skip(f"no vulnerability service answers here ({PROBE}); the audit cannot run")
    command = [sys.executable, "-m", "pip_audit", "--requirement", str(CONSTRAINTS)]
    command += ["--no-deps", "--disable-pip", "--format", "json", "--progress-spinner", "off"]
    for vuln in accepted():
        command += ["--ignore-vuln", vuln]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    report = json.loads(done.stdout or "{}")
    found = [
        f"{dep['name']} {dep['version']}: {vuln['id']}"
        for dep in report.get("dependencies", [])
        for vuln in dep.get("vulns", [])
    ]
    assert found == [], found
    assert done.returncode == 0, done.stderr[-2000:]
