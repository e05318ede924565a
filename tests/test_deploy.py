"""dossier deploy: build and push to a gh-pages branch of a local bare repository."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator import __version__
from generator.cli import main
from generator.deploy import pages_url

SITE_HOST = "https://tour-desk.github.io/"
DOMAIN = "dossier.tour-desk.net"


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout


@pytest.fixture
def repo(bundled: Path, tmp_path: Path) -> tuple[Path, Path]:
    """The bundled project as a git repository whose origin is a bare repository."""
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    config = bundled / "site.yaml"  # where the tour's site is published, not the example
    config.write_text(config.read_text().replace("https://example.github.io/", SITE_HOST))
    git(bundled, "init", "-q", "-b", "main")
    git(bundled, "config", "user.name", "Dossier Test")
    git(bundled, "config", "user.email", "test@example.org")
    git(bundled, "config", "commit.gpgsign", "false")
    git(bundled, "add", "-A")
    git(bundled, "commit", "-q", "-m", "Sources and fact sheets")
    git(bundled, "remote", "add", "origin", str(remote))
    return bundled, remote


def deploy(project: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["-C", str(project), "deploy", *args])
    return result.exit_code, result.stdout, result.stderr


def tree(remote: Path, branch: str = "gh-pages") -> dict[str, str]:
    """path -> git file mode of every file on the branch."""
    listing = git(remote, "ls-tree", "-r", branch)
    return {line.split("\t")[1]: line.split()[0] for line in listing.splitlines()}


def test_deploy_with_domain_pushes_site_nojekyll_and_cname(repo: tuple[Path, Path]) -> None:
    project, remote = repo
    config = project / "site.yaml"
    text = config.read_text().replace(f"{SITE_HOST}dossier/", f"https://{DOMAIN}/")
    config.write_text(text + f"domain: {DOMAIN}\n", encoding="utf-8")
    git(project, "commit", "-q", "-am", "Custom domain")
    code, out, err = deploy(project)
    assert code == 0, err
    files = tree(remote)
    for name in (
        "index.html",
        "404.html",
        ".nojekyll",
        "CNAME",
        "people/wang-yi/index.html",
        "static/style.css",
    ):
        assert name in files, name
    assert ".dossier-site" not in files
    # No symlinks, nothing executable: every file a plain 100644 blob.
    assert set(files.values()) == {"100644"}
    assert git(remote, "show", "gh-pages:CNAME") == f"{DOMAIN}\n"
    assert git(remote, "show", "gh-pages:.nojekyll") == ""
    lines = out.splitlines()
    assert lines[0] == f"Pushed {len(files)} files to origin/gh-pages."
    assert lines[1] == f"The site will appear at https://{DOMAIN}/"
    assert err == ""
    # Absolute URLs are the domain's; the 404 page's links start at its root.
    assert f"<loc>https://{DOMAIN}/people/wang-yi/</loc>" in git(
        remote, "show", "gh-pages:sitemap.xml"
    )
    assert 'href="/static/style.css"' in git(remote, "show", "gh-pages:404.html")
    head = git(project, "rev-parse", "--short", "HEAD").strip()
    assert git(remote, "log", "-1", "--format=%s", "gh-pages").startswith(
        f"Deploy site from {head}"
    )
    # The working copy is not touched: no _site, nothing changed, still on main.
    assert not (project / "_site").exists()
    assert git(project, "status", "--porcelain") == ""
    assert git(project, "branch", "--show-current").strip() == "main"


def test_deploy_without_domain_prints_base_url_and_has_no_cname(repo: tuple[Path, Path]) -> None:
    project, remote = repo
    code, out, err = deploy(project, "--branch", "pages", "--message", "Publish the tour")
    assert code == 0, err
    assert out.splitlines()[-1] == f"The site will appear at {SITE_HOST}dossier/"
    assert err == ""
    files = tree(remote, "pages")
    assert "index.html" in files and ".nojekyll" in files and "CNAME" not in files
    assert git(remote, "log", "-1", "--format=%s", "pages") == "Publish the tour\n"


def test_second_deploy_adds_a_commit_with_the_change(repo: tuple[Path, Path]) -> None:
    project, remote = repo
    assert deploy(project)[0] == 0
    sheet = project / "content/people/wang-yi.yaml"
    text = sheet.read_text(encoding="utf-8")
    assert "honorific:" not in text
    sheet.write_text(text.replace("\nname: Wang Yi\n", "\nname: Wang Yi\nhonorific: Zzqx\n"))
    code, _, err = deploy(project, "-m", "-starts with a dash")
    assert code == 0, err
    assert git(remote, "rev-list", "--count", "gh-pages") == "2\n"
    assert git(remote, "log", "-1", "--format=%s", "gh-pages") == "-starts with a dash\n"
    assert "Zzqx" in git(remote, "show", "gh-pages:people/wang-yi/index.html")


def test_deploying_an_unchanged_site_adds_no_commit(repo: tuple[Path, Path]) -> None:
    project, remote = repo
    assert deploy(project)[0] == 0
    code, out, err = deploy(project)
    assert code == 0, err
    assert out.splitlines()[0] == "The site is as last deployed to gh-pages; no commit added."
    assert git(remote, "rev-list", "--count", "gh-pages") == "1\n"
    assert git(project, "rev-parse", "gh-pages") == git(remote, "rev-parse", "gh-pages")


def test_uncommitted_changes_are_named_and_said_in_the_commit(repo: tuple[Path, Path]) -> None:
    project, remote = repo
    head = git(project, "rev-parse", "--short", "HEAD").strip()
    sheet = project / "content/people/wang-yi.yaml"
    sheet.write_text(
        sheet.read_text().replace("\nname: Wang Yi\n", "\nname: Wang Yi\nhonorific: Zzqx\n")
    )
    code, _, err = deploy(project)
    assert code == 0, err
    message = f"Deploy site from {head} and uncommitted changes with dossier {__version__}"
    assert err == (
        "warning: the site includes changes git has not committed "
        f'(content/people/wang-yi.yaml); its commit says "{message}"\n'
    )
    assert git(remote, "log", "-1", "--format=%s", "gh-pages") == message + "\n"
    assert "Zzqx" in git(remote, "show", "gh-pages:people/wang-yi/index.html")
    # With a message of one's own, the commit still says so, under it.
    sheet.write_text(sheet.read_text().replace("Zzqx", "Zzqy"))
    code, _, err = deploy(project, "-m", "Spring update")
    assert code == 0, err
    assert err == (
        "warning: the site includes changes git has not committed "
        '(content/people/wang-yi.yaml); its commit says "Spring update" and that it includes '
        "them\n"
    )
    assert git(remote, "log", "-1", "--format=%B", "gh-pages") == (
        "Spring update\n\nThe site includes changes not committed to the project's repository.\n"
    )


def test_unknown_remote_is_one_line_error(repo: tuple[Path, Path]) -> None:
    project, remote = repo
    code, out, err = deploy(project, "--remote", "upstream")
    assert code == 1
    assert err == "Error: no git remote named 'upstream'; add one with 'git remote add'\n"
    assert git(remote, "branch", "--list") == ""


def test_never_deploys_over_the_project_s_own_branch(repo: tuple[Path, Path]) -> None:
    project, remote = repo
    head = git(project, "rev-parse", "main")
    code, _, err = deploy(project, "--branch", "main")
    assert code == 1
    assert err == (
        "Error: 'main' is the branch checked out here; deploy to a branch of its own "
        "(the default is gh-pages)\n"
    )
    git(project, "branch", "-q", "drafts")  # another branch of the project, not checked out
    code, _, err = deploy(project, "--branch", "drafts")
    assert code == 1
    assert err == (
        "Error: 'drafts' holds a dossier project (site.yaml), not a site; deploy to a branch "
        "of its own (the default is gh-pages)\n"
    )
    assert git(project, "rev-parse", "main") == head == git(project, "rev-parse", "drafts")
    assert git(remote, "branch", "--list") == ""  # nothing pushed


def test_not_a_git_repository(bundled: Path) -> None:
    code, _, err = deploy(bundled)
    assert code == 1
    assert err == f"Error: {bundled} is not in a git repository; run 'git init' first\n"


def test_push_failure_is_reported(repo: tuple[Path, Path], tmp_path: Path) -> None:
    project, _ = repo
    missing = tmp_path / "missing.git"
    git(project, "remote", "set-url", "origin", str(missing))
    code, _, err = deploy(project)
    assert code == 1
    # git's own reason, not the hint it ends with.
    assert err.startswith(
        f"Error: could not publish to origin/gh-pages: fatal: '{missing}' does not appear to "
        "be a git repository"
    )
    assert "Traceback" not in err and len(err.splitlines()) == 1


def test_a_deploy_builds_on_what_another_clone_deployed(
    repo: tuple[Path, Path], tmp_path: Path
) -> None:
    project, remote = repo
    assert deploy(project)[0] == 0  # this clone's gh-pages is now one commit behind...
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(remote), str(other))
    git(other, "checkout", "-q", "-b", "main")
    for name in ("content", "seeds", "site.yaml"):
        src = project / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, other / name)
    git(other, "config", "user.name", "Other Editor")
    git(other, "config", "user.email", "other@tour-desk.net")
    sheet = other / "content/people/wang-yi.yaml"
    sheet.write_text(
        sheet.read_text().replace("\nname: Wang Yi\n", "\nname: Wang Yi\nhonorific: Zzqx\n")
    )
    assert deploy(other)[0] == 0  # ...once another clone has deployed
    sheet = project / "content/people/wang-yi.yaml"
    sheet.write_text(
        sheet.read_text().replace("\nname: Wang Yi\n", "\nname: Wang Yi\nhonorific: Yyqx\n")
    )
    code, out, err = deploy(project)
    assert code == 0, err
    assert git(remote, "rev-list", "--count", "gh-pages") == "3\n"
    assert "Yyqx" in git(remote, "show", "gh-pages:people/wang-yi/index.html")


def test_deploy_without_a_git_identity_is_refused(
    repo: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project, remote = repo
    git(project, "config", "--unset", "user.name")
    git(project, "config", "--unset", "user.email")
    for name in ("GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "no-gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    code, _, err = deploy(project)
    assert code == 1
    assert err == (
        "Error: git has no user.name or user.email here, and the deploy commit is made in "
        'your name: set user.name and user.email with git config (git config user.name "Your '
        'Name")\n'
    )
    assert git(remote, "branch", "--list") == ""


def test_deploy_takes_a_base_url_and_warns_of_an_example_one(repo: tuple[Path, Path]) -> None:
    project, remote = repo
    url = "https://example.github.io/dossier/"
    code, out, err = deploy(project, "--base-url", url)
    assert code == 0, err
    assert err == (
        f"warning: base_url is an example address ({url}): the feed, the sitemap and "
        "canonical links point there; set base_url in site.yaml or pass --base-url\n"
    )
    assert out.splitlines()[-1] == f"The site will appear at {url}"
    assert f"<loc>{url}</loc>" in git(remote, "show", "gh-pages:sitemap.xml")
    code, _, err = deploy(project, "--base-url", "ftp://tour-desk.net/")
    assert code == 2  # a usage error, told before anything is built
    assert err.splitlines()[-1] == (
        "Error: Invalid value for '--base-url': 'ftp://tour-desk.net/' must be an http:// or "
        "https:// URL"
    )
    code, _, err = deploy(project, "--branch", "bad..name")
    assert code == 2
    assert err.splitlines()[-1] == (
        "Error: Invalid value for '--branch': 'bad..name' is not a valid branch name"
    )


def test_broken_site_is_not_deployed(repo: tuple[Path, Path]) -> None:
    project, remote = repo
    sheet = project / "content/people/wang-yi.yaml"
    sheet.write_text(sheet.read_text().replace("\ncountry: china\n", "\ncountry: chna\n"))
    code, _, err = deploy(project)
    assert code == 1
    assert err.startswith("content/people/wang-yi.yaml:")
    assert err.splitlines()[-1] == "Error: 1 problem; nothing was written."
    assert git(remote, "branch", "--list") == ""
    assert git(project, "branch", "--list", "gh-pages") == ""


@pytest.mark.parametrize(
    ("base_url", "domain", "url"),
    [
        ("https://u.github.io/repo/", None, "https://u.github.io/repo/"),
        ("https://u.github.io/repo/", "", "https://u.github.io/repo/"),
        ("https://u.github.io/repo/", "news.example.org", "https://news.example.org/"),
        ("https://u.github.io/repo/", " news.example.org/ ", "https://news.example.org/"),
    ],
)
def test_pages_url(base_url: str, domain: str | None, url: str) -> None:
    assert pages_url(base_url, domain) == url
