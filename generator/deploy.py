"""``dossier deploy``: build the site and push it to a ``gh-pages`` branch.

The commit on the branch is made by ghp-import, which writes the tree with
``git fast-import`` without touching the working copy or the index; a commit whose
site is the branch's previous one is dropped, and the branch is then pushed. It runs as
a subprocess (``python -m ghp_import``) with the project as its working folder:
its Python API works on the process's current folder, and changing that would
be global state. The site is built into a temporary folder, so ``_site`` (and
whatever base_url it was built with) is left alone; the build already writes
``.nojekyll`` and, when site.yaml sets ``domain``, ``CNAME``, and ``-n`` makes
ghp-import keep ``.nojekyll`` as well.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from generator import __version__
from generator.build import check_project, render_files
from generator.write import INPUT_FOLDERS, MARKER, write_site


class DeployError(Exception):
    """Deploying failed for a reason outside the site's content (git, remote, push)."""


@dataclass(frozen=True)
class DeployOptions:
    remote: str = "origin"
    branch: str = "gh-pages"
    message: str | None = None
    push: bool = True
    base_url: str | None = None
    """Overrides site.yaml's base_url, as ``dossier build --base-url`` does."""


@dataclass(frozen=True)
class DeployResult:
    url: str  # where GitHub Pages will show the site
    remote: str
    branch: str
    files: int
    message: str
    uncommitted: tuple[str, ...] = ()
    """Inputs of the site with changes git has not committed (the site includes them)."""
    unchanged: bool = False
    """The site is the one the branch already had: no commit was added."""
    example: bool = False
    """base_url is an example address (the bundled site's), not where the site will be."""


# Hosts reserved for examples (RFC 2606), and the bundled site's placeholder.
_EXAMPLE_HOSTS = ("example.com", "example.net", "example.org", "example.github.io")
_EXAMPLE_TLDS = (".example", ".test", ".invalid", ".localhost")


def is_example_url(url: str) -> bool:
    """Whether ``url`` is on a host kept for examples, where no real site is published."""
    host = (urlsplit(url).hostname or "").lower()
    return host.endswith(_EXAMPLE_TLDS) or any(
        host == h or host.endswith("." + h) for h in _EXAMPLE_HOSTS
    )


def pages_url(base_url: str, domain: str | None) -> str:
    """The address the site will have: the custom domain if set, else base_url."""
    if domain and domain.strip():
        return f"https://{domain.strip().strip('/')}/"
    return base_url


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)


def _git_error(text: str) -> str:
    """What git's output says went wrong, in one line: its first error lines (a rejected
    ref, "fatal: ..."), not the hint it closes with."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [
        line for line in lines if line.startswith(("!", "error:", "fatal:", "Failed", "remote:"))
    ]
    if errors:
        return "; ".join(dict.fromkeys(errors[:2]))
    return lines[-1] if lines else "unknown error"


def _identity(root: Path) -> str | None:
    """Why the deploy commit would have no author, or None. ghp-import takes the committer
    from GIT_COMMITTER_NAME and _EMAIL or git's user.name and user.email, and writes an
    empty one where they are missing (git itself would refuse)."""
    missing = [
        key
        for key, env in (("user.name", "GIT_COMMITTER_NAME"), ("user.email", "GIT_COMMITTER_EMAIL"))
        if not os.environ.get(env, "").strip()
        and not _git(root, "config", "--get", key).stdout.strip()
    ]
    if not missing:
        return None
    return (
        f"git has no {' or '.join(missing)} here, and the deploy commit is made in your "
        f'name: set {" and ".join(missing)} with git config (git config user.name "Your Name")'
    )


def deploy_project(root: Path, options: DeployOptions | None = None) -> DeployResult:
    """Build the project at ``root`` and commit the site to ``options.branch``, then push.

    Raises DossierError if the site has problems (nothing is committed), and
    DeployError if git or the push fails.
    """
    options = options or DeployOptions()
    # Cheap git checks first, so a missing remote is reported before a build.
    inside = _git(root, "rev-parse", "--show-toplevel")
    if inside.returncode != 0:
        raise DeployError(f"{root} is not in a git repository; run 'git init' first")
    if options.push and _git(root, "remote", "get-url", "--", options.remote).returncode != 0:
        raise DeployError(f"no git remote named {options.remote!r}; add one with 'git remote add'")
    if _git(root, "check-ref-format", "--branch", options.branch).returncode != 0:
        raise DeployError(f"{options.branch!r} is not a valid branch name")
    # The site replaces the branch's whole tree: never the project's own branch.
    own = f"deploy to a branch of its own (the default is {DeployOptions.branch})"
    head = _git(root, "symbolic-ref", "--quiet", "--short", "HEAD").stdout.strip()
    if head == options.branch:
        raise DeployError(f"{options.branch!r} is the branch checked out here; {own}")
    if _git(root, "cat-file", "-e", f"refs/heads/{options.branch}:site.yaml").returncode == 0:
        raise DeployError(
            f"{options.branch!r} holds a dossier project (site.yaml), not a site; {own}"
        )
    anonymous = _identity(root)
    if anonymous is not None:
        raise DeployError(anonymous)

    checked = check_project(root, base_url=options.base_url)
    config = checked.site.config
    uncommitted = _uncommitted(root)
    message = options.message or _default_message(root, bool(uncommitted))
    if options.message and uncommitted:
        # Your own words as the subject; the body still says what the site is built from.
        message += "\n\nThe site includes changes not committed to the project's repository."
    failed = f"could not publish to {options.remote}/{options.branch}: "
    if options.push:
        # Commit on top of what the remote has (another clone may have deployed since this
        # one last did): the site is built whole, so nothing of a stale local branch is lost.
        fetched = _fetch(root, options.remote, options.branch)
        if fetched is not None:
            raise DeployError(failed + fetched)
    with tempfile.TemporaryDirectory(prefix="dossier-deploy-") as tmp:
        site_dir = Path(tmp) / "site"
        files = write_site(site_dir, render_files(checked), root)
        (site_dir / MARKER).unlink()  # dossier's own bookkeeping, not part of the site
        # -n keeps .nojekyll; CNAME is a file of the build already, so it is kept as well.
        # The --name=value form keeps a value that starts with '-' from reading as an option.
        command = [sys.executable, "-m", "ghp_import", "-n", f"--remote={options.remote}"]
        command += [f"--branch={options.branch}", f"--message={message}"]
        command += ["--", str(site_dir)]
        done = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
    # ghp-import reports a failed commit on stdout and still exits 0.
    if done.returncode != 0 or "Failed to process commit" in done.stdout:
        raise DeployError(failed + _git_error(done.stderr or done.stdout))
    unchanged = _drop_if_unchanged(root, options.branch)
    if options.push:
        # Pushed even when unchanged: an earlier deploy may have committed and not pushed.
        pushed = _git(root, "push", "--", options.remote, options.branch)
        if pushed.returncode != 0:
            raise DeployError(failed + _git_error(pushed.stderr or pushed.stdout))
    return DeployResult(
        url=pages_url(str(config.base_url), config.domain),
        remote=options.remote,
        branch=options.branch,
        files=files,
        message=message,
        uncommitted=uncommitted,
        unchanged=unchanged,
        example=is_example_url(str(config.base_url)),
    )


def _fetch(root: Path, remote: str, branch: str) -> str | None:
    """Bring the local ``branch`` to the remote's, if the remote has one; what went wrong,
    or None."""
    listed = _git(root, "ls-remote", "--heads", "--", remote, f"refs/heads/{branch}")
    if listed.returncode != 0:
        return _git_error(listed.stderr or listed.stdout)
    if not listed.stdout.strip():
        return None  # a first deploy: the remote has no such branch yet
    fetched = _git(
        root, "fetch", "--quiet", "--", remote, f"+refs/heads/{branch}:refs/heads/{branch}"
    )
    return None if fetched.returncode == 0 else _git_error(fetched.stderr or fetched.stdout)


def _drop_if_unchanged(root: Path, branch: str) -> bool:
    """Undo the commit just made if its site is the branch's previous one, byte for byte:
    deploying twice adds no empty commit to the published history."""
    trees = _git(root, "rev-parse", f"{branch}^{{tree}}", f"{branch}~1^{{tree}}")
    lines = trees.stdout.split()
    if trees.returncode != 0 or len(lines) != 2 or lines[0] != lines[1]:
        return False
    return _git(root, "update-ref", f"refs/heads/{branch}", f"{branch}~1").returncode == 0


def _uncommitted(root: Path) -> tuple[str, ...]:
    """The site's inputs with changes not committed (what the commit name would hide)."""
    status = _git(root, "status", "--porcelain", "--", "site.yaml", *INPUT_FOLDERS)
    if status.returncode != 0:
        return ()
    return tuple(line[3:] for line in status.stdout.splitlines() if line.strip())


def _default_message(root: Path, uncommitted: bool) -> str:
    head = _git(root, "rev-parse", "--short", "HEAD")
    source = f" from {head.stdout.strip()}" if head.returncode == 0 and head.stdout.strip() else ""
    if source and uncommitted:
        source += " and uncommitted changes"
    return f"Deploy site{source} with dossier {__version__}"
