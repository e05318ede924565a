"""dossier new and dossier schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.build import check_project
from generator.cli import main
from generator.scaffold import schemas
from tests.conftest import ROOT


@pytest.mark.parametrize("kind", ["meeting", "person", "country", "organization"])
def test_new_writes_a_valid_stub_with_modeline(make_site, kind: str) -> None:  # type: ignore[no-untyped-def]
    project = make_site()
    result = CliRunner().invoke(main, ["-C", str(project), "new", kind, "abu-dhabi-talks"])
    assert result.exit_code == 0, result.output
    folder = {"meeting": "meetings", "person": "people", "country": "countries"}.get(
        kind, "organizations"
    )
    path = project / "content" / folder / "abu-dhabi-talks.yaml"
    assert result.output == f"Wrote content/{folder}/abu-dhabi-talks.yaml\n"
    assert path.read_text().startswith(
        f"# yaml-language-server: $schema=../../schema/{kind}.schema.json\n"
    )
    site = check_project(project).site
    assert "abu-dhabi-talks" in site.kind(folder)
    # Examples in comments are YAML as one would write it, one line each.
    assert "\\n" not in path.read_text()
    if kind == "meeting":
        assert "  # cite:\n  #   - source: <seed id>\n  #     quote: " in path.read_text()


def test_new_refuses_to_overwrite_and_bad_slugs(make_site) -> None:  # type: ignore[no-untyped-def]
    project = make_site({"content/people/wang-yi.yaml": "name: Wang Yi\n"})
    result = CliRunner().invoke(main, ["-C", str(project), "new", "person", "wang-yi"])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "content/people/wang-yi.yaml: already exists; use --force to overwrite"
    )
    assert (project / "content/people/wang-yi.yaml").read_text() == "name: Wang Yi\n"
    # A bad slug is a usage error, with the slug meant.
    result = CliRunner().invoke(main, ["-C", str(project), "new", "person", "../evil"])
    assert result.exit_code == 2
    assert not (project / "content/evil.yaml").exists()
    result = CliRunner().invoke(main, ["-C", str(project), "new", "person", "Hakan Fidan"])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: Invalid value for 'SLUG': Hakan Fidan: not a valid slug (lowercase letters, "
        "digits and single hyphens). Did you mean 'hakan-fidan'?"
    )
    assert not (project / "content/people").joinpath("Hakan Fidan.yaml").exists()


def test_schema_command_writes_every_kind(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["schema", "-o", str(tmp_path)])
    assert result.exit_code == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "country.schema.json",
        "meeting.schema.json",
        "organization.schema.json",
        "person.schema.json",
        "site.schema.json",
        "sources.schema.json",
    ]
    meeting = json.loads((tmp_path / "meeting.schema.json").read_text())
    assert "date" in meeting["required"]
    assert meeting["additionalProperties"] is False


def test_committed_schemas_are_current() -> None:
    """Regenerate with `dossier schema` after changing generator/schema.py."""
    for name, schema in schemas().items():
        committed = json.loads((ROOT / "schema" / f"{name}.schema.json").read_text())
        assert committed == schema, f"schema/{name}.schema.json is out of date; run dossier schema"
