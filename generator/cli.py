"""The command line: parse options, call one core function, print problems, set the exit code.

Core errors (:class:`DossierError`) are turned into output here, at the edge,
so the core never depends on Click.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from generator import __version__

F = TypeVar("F", bound=Callable[..., Any])


class Context:
    """Options shared by every command."""

    def __init__(self, project: Path, verbosity: int) -> None:
        self.project = project
        self.verbosity = verbosity

    def info(self, message: str) -> None:
        if self.verbosity >= 0:
            click.echo(message)

    def debug(self, message: str) -> None:
        if self.verbosity > 0:
            click.echo(message)


def reports_problems(func: F) -> F:
    """Print a DossierError's problems to stderr and exit 1, without a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from generator.problems import DossierError

        try:
            return func(*args, **kwargs)
        except DossierError as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            count = len(exc.problems)
            click.echo(f"Error: {count} problem{'s' if count != 1 else ''}; nothing was written.", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="dossier")
@click.option(
    "-C",
    "--project",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="Project folder (holds site.yaml, content/, seeds/).",
)
@click.option("-q", "--quiet", "quiet", count=True, help="Print less.")
@click.option("-v", "--verbose", "verbose", count=True, help="Print more.")
@click.pass_context
def main(ctx: click.Context, project: Path, quiet: int, verbose: int) -> None:
    """dossier: build source-grounded sites about diplomatic events."""
    ctx.obj = Context(project, verbose - quiet)


pass_ctx = click.make_pass_decorator(Context)


def _print_warnings(ctx: Context, warnings: list[Any]) -> None:
    for problem in warnings:
        if ctx.verbosity >= 0:
            click.echo(str(problem), err=True)


@main.command()
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), help="Output folder (default from site.yaml: _site).")
@click.option("--base-url", help="Override base_url from site.yaml, e.g. https://user.github.io/repo/.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--force", is_flag=True, help="Replace an output folder that dossier did not write.")
@pass_ctx
@reports_problems
def build(ctx: Context, output: Path | None, base_url: str | None, strict: bool, force: bool) -> None:
    """Build the site."""
    from generator.build import BuildOptions, build_project

    result = build_project(
        ctx.project, BuildOptions(output=output, base_url=base_url, strict=strict, force=force)
    )
    _print_warnings(ctx, result.warnings)
    ctx.info(
        f"Built {result.pages} pages ({result.files} files) in {result.seconds:.2f}s "
        f"into {result.output}"
    )


@main.command()
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@pass_ctx
@reports_problems
def check(ctx: Context, strict: bool) -> None:
    """Run every check without writing the site, and report citation coverage."""
    from generator.build import check_project

    checked = check_project(ctx.project, strict=strict)
    _print_warnings(ctx, checked.warnings)
    for line in checked.coverage.lines():
        ctx.info(line)
    unknown = checked.site.unknown_names
    if unknown:
        ctx.info(f"names not covered by any fact sheet: {len(unknown)}")
        for source_id, name in unknown:
            path = checked.site.sources[source_id].path
            context = f" ({name.context})" if name.context else ""
            ctx.info(f'  {path}: {name.block}: {name.kind} "{name.name}"{context}: "{name.sentence}"')
    ctx.info(f"OK: {len(checked.pages)} pages would be written.")


@main.command()
@click.argument("kind", type=click.Choice(["meeting", "person", "country", "organization"]))
@click.argument("slug")
@click.option("--force", is_flag=True, help="Overwrite an existing fact sheet.")
@pass_ctx
@reports_problems
def new(ctx: Context, kind: str, slug: str, force: bool) -> None:
    """Write a new fact sheet stub: content/<kind>/<SLUG>.yaml."""
    import datetime as dt

    from generator.scaffold import new_sheet

    path = new_sheet(ctx.project, kind, slug, today=dt.date.today(), force=force)
    ctx.info(f"Wrote {path.relative_to(ctx.project).as_posix()}")


@main.command()
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the *.schema.json files (default: schema/ in the project).",
)
@pass_ctx
def schema(ctx: Context, output: Path | None) -> None:
    """Write the JSON Schema of every fact-sheet kind (for yaml-language-server)."""
    from generator.scaffold import write_schemas

    for path in write_schemas(output or ctx.project / "schema"):
        ctx.info(f"Wrote {path.as_posix()}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port to listen on; 0 picks a free one.",
)
@click.option("--poll", is_flag=True, help="Poll for changes (network drives, some containers).")
@pass_ctx
def serve(ctx: Context, host: str, port: int, poll: bool) -> None:
    """Build, serve under base_url's path, rebuild on change and reload open pages."""
    from generator.serve import ServeError, ServeOptions, serve_project

    try:
        serve_project(
            ctx.project,
            ServeOptions(host=host, port=port, poll=poll, log_requests=ctx.verbosity > 0),
            info=ctx.info,
            warn=lambda message: click.echo(message, err=True),
        )
    except ServeError as exc:
        raise click.ClickException(str(exc)) from None


@main.command()
@click.option("--remote", default="origin", show_default=True, help="Git remote to push to.")
@click.option(
    "--branch", default="gh-pages", show_default=True, help="Branch to commit the site to."
)
@click.option("-m", "--message", help="Commit message (default names the source commit).")
@pass_ctx
@reports_problems
def deploy(ctx: Context, remote: str, branch: str, message: str | None) -> None:
    """Build the site and push it to the gh-pages branch (with ghp-import)."""
    from generator.deploy import DeployError, DeployOptions, deploy_project

    try:
        result = deploy_project(
            ctx.project, DeployOptions(remote=remote, branch=branch, message=message)
        )
    except DeployError as exc:
        raise click.ClickException(str(exc)) from None
    ctx.info(f"Pushed {result.files} files to {result.remote}/{result.branch}.")
    ctx.info(f"The site will appear at {result.url}")
