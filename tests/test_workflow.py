"""The GitHub Pages workflow: it parses, uses the official actions, and its build command works."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from generator.cli import main

WORKFLOW = Path(__file__).resolve().parent.parent / ".github/workflows/pages.yml"
BASE_URL_EXPR = "${{ steps.pages.outputs.base_url }}"


@pytest.fixture(scope="module")
def workflow() -> dict[Any, Any]:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def steps(workflow: dict[Any, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def action(workflow: dict[Any, Any], name: str) -> dict[str, Any]:
    found = [s for s in steps(workflow) if s.get("uses", "").split("@")[0] == name]
    assert len(found) == 1, name
    return found[0]


def test_triggers_permissions_and_concurrency(workflow: dict[Any, Any]) -> None:
    # YAML 1.1 reads the bare key `on` as True.
    triggers = workflow.get("on", workflow.get(True))
    assert "push" in triggers and "workflow_dispatch" in triggers
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert workflow["concurrency"] == {"group": "pages", "cancel-in-progress": False}


@pytest.mark.parametrize(
    "name",
    [
        "actions/checkout",
        "actions/setup-python",
        "actions/configure-pages",
        "actions/upload-pages-artifact",
        "actions/deploy-pages",
    ],
)
def test_uses_the_official_actions_pinned_to_a_major_version(
    workflow: dict[Any, Any], name: str
) -> None:
    uses = action(workflow, name)["uses"]
    assert uses.split("@")[1].startswith("v")


def test_builds_with_the_url_configure_pages_reports(workflow: dict[Any, Any]) -> None:
    assert action(workflow, "actions/configure-pages")["id"] == "pages"
    build = [s for s in steps(workflow) if "dossier build" in s.get("run", "")]
    assert len(build) == 1
    args = shlex.split(build[0]["run"])
    assert args[args.index("--base-url") + 1] == BASE_URL_EXPR + "/"
    output = args[args.index("--output") + 1]
    assert action(workflow, "actions/upload-pages-artifact")["with"]["path"] == output


def test_deploy_job_needs_build_and_names_the_environment(workflow: dict[Any, Any]) -> None:
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["environment"]["name"] == "github-pages"
    assert deploy["environment"]["url"] == "${{ steps.deployment.outputs.page_url }}"
    assert action(workflow, "actions/deploy-pages")["id"] == "deployment"


@pytest.mark.parametrize(
    ("reported", "expected"),
    [
        ("https://u.github.io/repo", "https://u.github.io/repo/"),
        ("https://news.example.org", "https://news.example.org/"),
    ],
)
def test_the_build_command_works_with_what_configure_pages_reports(
    workflow: dict[Any, Any], bundled: Path, reported: str, expected: str
) -> None:
    """Run the workflow's own build line (with the expression filled in) on the bundled site."""
    build = next(s for s in steps(workflow) if "dossier build" in s.get("run", ""))
    args = shlex.split(build["run"].replace(BASE_URL_EXPR, reported))
    assert args[:2] == ["dossier", "build"]
    output = bundled / args[args.index("--output") + 1]
    args[args.index("--output") + 1] = str(output)
    result = CliRunner().invoke(main, ["-C", str(bundled), *args[1:]])
    assert result.exit_code == 0, result.output
    assert f'href="{expected}"' in (output / "index.html").read_text(encoding="utf-8")
    assert (output / ".nojekyll").is_file() and (output / "404.html").is_file()
    # Pages wants no symlinks and world-readable files.
    for path in output.rglob("*"):
        assert not path.is_symlink(), path
        assert path.stat().st_mode & 0o004, path
