"""The repository speaks for itself: its rules are written in it, and nothing points outside it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULE_IDS = [f"R{n}" for n in range(1, 10)] + [f"S{n}" for n in range(1, 8)] + ["L1", "L2", "L3"]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def tracked_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [ROOT / line for line in listed.splitlines() if (ROOT / line).is_file()]


def test_docs_rules_states_every_rule_once():
    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    headings = re.findall(r"^### (R\d|S\d|L\d)\b", text, flags=re.M)
    assert headings == RULE_IDS


def test_every_relative_link_in_the_docs_and_readme_resolves_to_a_file_in_the_repository():
    broken = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in LINK.findall(doc.read_text(encoding="utf-8")):
            if "://" in target or target.startswith("mailto:"):
                continue
            resolved = (doc.parent / target).resolve()
            if not resolved.exists() or ROOT not in resolved.parents:
                broken.append(f"{doc.name}: {target}")
    assert broken == []


def test_nothing_in_the_repository_points_outside_it():
    # Spelled in pieces so that this test does not match itself.
    places = ["../" + "shared", "/" + "work" + "/", "SPEC" + ".md", "STYLE" + ".md", "seeds" + "/0",
              *(f"notes/{name}" + ".md" for name in ("data", "devices", "ui-reports"))]
    outside = re.compile("|".join(re.escape(place) for place in places))
    hits = []
    for path in tracked_files():
        if path.suffix not in {".py", ".md", ".cfg", ".toml", ".txt", ".ini", ".js", ".html", ".css", ""}:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if outside.search(line):
                hits.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:80]}")
    assert hits == []
