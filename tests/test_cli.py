"""The command line, through Click's CliRunner: exit codes and exact output."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator import __version__
from generator.cli import main
from tests.conftest import corpus_project


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_version() -> None:
    code, out, _ = run("--version")
    assert code == 0
    assert out == f"dossier, version {__version__}\n"


def test_build_prints_summary_line_then_pages_per_kind_and_time(bundled: Path) -> None:
    from generator.build import build_project

    code, out, err = run("-C", str(bundled), "build")
    assert code == 0, err
    lines = out.splitlines()
    # The first line stays the one-line summary that scripts read.
    assert re.fullmatch(
        r"Built (\d+) pages \((\d+) files\) in \d+\.\d\ds into .*_site", lines[0]
    ), lines[0]
    pages = int(lines[0].split()[1])
    # Then a table of pages per kind (counts as the build computed them) and the time per stage;
    # no progress line, since stdout is not a terminal here.
    kinds = build_project(bundled).kinds
    from generator.cli import KIND_LABELS

    width = max(len(KIND_LABELS[k]) for k in kinds)
    expected = [f"  {'pages':<{width}}  count"]
    expected += [f"  {KIND_LABELS[k]:<{width}}  {n:>5}" for k, n in kinds.items()]
    expected += [f"  {'total':<{width}}  {pages:>5}"]
    assert lines[1:-1] == expected
    assert sum(kinds.values()) == pages
    assert re.fullmatch(
        r"  time: check \d+\.\d\ds, prepare \d+\.\d\ds, render \d+\.\d\ds"
        r"(, search \d+\.\d\ds)?, write \d+\.\d\ds, cache \d+\.\d\ds",
        lines[-1],
    ), lines[-1]
    assert "\r" not in out
    assert "  meetings   " in out and "  people   " in out and "  sources   " in out


@pytest.mark.parametrize("where", ["before", "after"])
def test_quiet_build_prints_nothing(bundled: Path, where: str) -> None:
    # -q is taken before the command's name and after it alike.
    args = ["-q", "build"] if where == "before" else ["build", "-q"]
    code, out, err = run("-C", str(bundled), *args)
    assert (code, out) == (0, "")


def test_quiet_keeps_warnings_and_twice_quiet_drops_them(bundled: Path) -> None:
    meeting = bundled / "content/meetings/extra-talks.yaml"
    meeting.write_text("title: Extra talks\ndate: 2023-11-22\n")  # an uncited date: a warning
    code, out, err = run("-C", str(bundled), "build", "-q", "--no-search")
    assert (code, out) == (0, "")
    assert "content/meetings/extra-talks.yaml:2:7: date: fact has no citation (warning)" in err
    code, out, err = run("-C", str(bundled), "build", "-qq", "--no-search")
    assert (code, out, err) == (0, "", "")


def test_verbose_after_the_command_undoes_a_quiet_before_it(bundled: Path) -> None:
    code, out, _ = run("-C", str(bundled), "-q", "check", "-v")
    assert code == 0
    assert re.search(r"^OK: \d+ pages would be written\.$", out, re.M), out
    code, out, _ = run("-C", str(bundled), "check", "-q")
    assert (code, out) == (0, "")


def test_build_with_output_and_base_url(bundled: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "public"
    code, _, err = run(
        "-C", str(bundled), "build", "-o", str(out_dir), "--base-url", "https://u.github.io/r/"
    )
    assert code == 0, err
    assert 'href="https://u.github.io/r/"' in (out_dir / "index.html").read_text()


def test_bad_input_lists_problems_and_exits_1(bundled: Path) -> None:
    sheet = bundled / "content/people/wang-yi.yaml"
    sheet.write_text(sheet.read_text().replace("country: china", "country: chna"))
    code, out, err = run("-C", str(bundled), "build")
    assert code == 1
    assert "Traceback" not in out + err
    assert err.splitlines()[0] == (
        "content/people/wang-yi.yaml:3:10: country: unknown country id 'chna'. "
        "Did you mean 'china'?"
    )
    assert err.splitlines()[-1] == "Error: 1 problem; nothing was written."
    assert not (bundled / "_site").exists()


def test_usage_error_exits_2() -> None:
    code, _, err = run("build", "--no-such-option")
    assert code == 2
    assert err.splitlines()[-1] == "Error: No such option '--no-such-option'."


def test_check_writes_nothing_and_reports_coverage(bundled: Path) -> None:
    code, out, err = run("-C", str(bundled), "check")
    assert code == 0, err
    assert not (bundled / "_site").exists()
    assert "citations: " in out and "verified: " in out
    assert out.splitlines()[-1].startswith("OK: ")


def test_strict_turns_warnings_into_errors(make_site) -> None:  # type: ignore[no-untyped-def]
    project = make_site(
        {
            "content/countries/russia.yaml": "name: Russia\n",
            "content/people/lavrov.yaml": """\
                name: Sergey Lavrov
                positions:
                  - title: Foreign Minister
                    of: russia
                """,
        }
    )
    code, _, err = run("-C", str(project), "check")
    assert code == 0
    assert "content/people/lavrov.yaml:3:5: positions.0: fact has no citation (warning)" in err
    code, _, err = run("-C", str(project), "check", "--strict")
    assert code == 1
    assert err.splitlines()[-2:] == [
        "content/people/lavrov.yaml:3:5: positions.0: fact has no citation "
        "(warning, an error under --strict)",
        "Error: 1 problem.",
    ]


def test_missing_site_yaml(tmp_path: Path) -> None:
    code, _, err = run("-C", str(tmp_path), "build")
    assert code == 1
    assert err.splitlines()[0] == (
        "site.yaml: not found; is this a dossier project? "
        "(run dossier in its folder, or give it with -C FOLDER)"
    )


def test_python_dash_m_entry_point() -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "generator", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0
    assert done.stdout.strip() == f"dossier, version {__version__}"


def _process(*args: str) -> tuple[int, str, str]:
    """``python -m generator ARGS`` in a process of its own, stdout and stderr piped."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "generator", *args], capture_output=True, text=True, check=False
    )
    return done.returncode, done.stdout, done.stderr


def test_a_process_that_exits_without_freeing_the_site_still_prints_everything(
    bundled: Path,
) -> None:
    # Through run(), which ends the process with os._exit after a build or a check: piped
    # output is block-buffered, so what the command printed must be flushed first.
    code, out, err = _process("-C", str(bundled), "build", "--no-search")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith("Built ") and lines[0].endswith("_site")
    assert lines[-1].startswith("  time: check ")
    assert (bundled / "_site/index.html").is_file()
    code, out, err = _process("-C", str(bundled), "check")
    assert (code, err) == (0, "")
    assert out.splitlines()[-1].startswith("OK: ")


def test_a_profiled_process_still_writes_its_profile(bundled: Path, tmp_path: Path) -> None:
    # cProfile and coverage tools save their results as the process ends: with one of them
    # active, run() lets the process end normally instead of with os._exit.
    import subprocess
    import sys

    profile = tmp_path / "check.prof"
    done = subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "generator",
         "-C", str(bundled), "check"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1].startswith("OK: ")
    import pstats

    assert pstats.Stats(str(profile)).total_calls > 0


def test_a_process_keeps_the_exit_code_and_message_of_a_failed_build(bundled: Path) -> None:
    sheet = bundled / "content/people/wang-yi.yaml"
    sheet.write_text(sheet.read_text().replace("country: china", "country: chna"))
    for command, closing in (("build", "; nothing was written."), ("check", ".")):
        code, out, err = _process("-C", str(bundled), command)
        assert code == 1
        # check writes nothing at any time: its error line does not say so.
        assert err.splitlines()[-1] == f"Error: 1 problem{closing}"
        assert "Traceback" not in err
    code, _, err = _process("-C", str(bundled), "build", "--strict", "--no-such-option")
    assert code == 2
    assert err.splitlines()[-1] == "Error: No such option '--no-such-option'."


def test_profile_prints_stages_and_slowest_templates(bundled: Path) -> None:
    code, out, err = run("-C", str(bundled), "build", "--profile", "--no-search")
    assert code == 0, err
    lines = out.splitlines()
    start = lines.index("profile: time per stage")
    stages = [line.split()[0] for line in lines[start + 1 : start + 9]]
    assert stages == ["load", "model", "checks", "plan", "prepare", "render", "write", "cache"]
    assert "profile: slowest templates (total, pages, per page)" in lines
    assert any(line.strip().startswith("person.html") for line in lines)
    first = next(line for line in lines if line.startswith("  pages rendered: "))
    rendered = int(first.split(":")[1].split(",")[0])
    assert rendered > 50
    # A second build carries every page over.
    code, out, _ = run("-C", str(bundled), "build", "--profile", "--no-search")
    assert f"  pages rendered: 0, carried over unchanged: {rendered}" in out.splitlines()
    # Without the cache every page is rendered again, and counted.
    code, out, _ = run("-C", str(bundled), "build", "--profile", "--no-search", "--no-cache")
    assert f"  pages rendered: {rendered}, carried over unchanged: 0" in out.splitlines()


def test_profile_counts_the_templates_of_pages_rendered_on_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Hundreds of pages are rendered on two worker processes; their times come back.
    monkeypatch.setenv("DOSSIER_JOBS", "2")
    project = corpus_project(tmp_path / "corpus", 180)
    code, out, err = run("-C", str(project), "build", "--profile", "--no-search")
    assert code == 0, err
    lines = out.splitlines()
    first = next(line for line in lines if line.startswith("  pages rendered: "))
    rendered = int(first.split(":")[1].split(",")[0])
    assert rendered > 200
    start = lines.index("profile: slowest templates (total, pages, per page)")
    rows = {line.split()[0]: int(line.split()[2]) for line in lines[start + 1 : start + 6]}
    people = len(list((project / "content" / "people").glob("*.yaml")))
    sources = len(list((project / "seeds").glob("*.txt")))
    assert rows["person.html"] == people
    assert rows["source.html"] == sources
    # The fingerprints the workers made for a first build let the next carry every page.
    code, out, err = run("-C", str(project), "build", "--profile", "--no-search")
    assert code == 0, err
    assert f"  pages rendered: 0, carried over unchanged: {rendered}" in out.splitlines()


def test_a_project_folder_that_does_not_exist_is_a_usage_error(tmp_path: Path) -> None:
    nowhere = tmp_path / "nowhere"
    code, _, err = run("-C", str(nowhere), "build")
    assert code == 2
    assert f"Invalid value for '-C' / '--project': Directory '{nowhere}' does not exist." in err


def test_an_error_of_the_system_is_one_line(bundled: Path) -> None:
    long = "a" * 300  # longer than a file name may be
    result = CliRunner().invoke(main, ["-C", str(bundled), "new", "person", long])
    assert result.exit_code == 1
    assert result.output == f"Error: {bundled}/content/people/{long}.yaml: File name too long\n"
    result = CliRunner().invoke(main, ["-C", str(bundled), "build", "-o", "d" * 300])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and result.output.endswith(": File name too long\n")
    assert len(result.output.splitlines()) == 1


def test_ctrl_c_before_the_command_begins_is_an_interruption_not_a_problem() -> None:
    """Ctrl-C while click reads the command line (before any command's own handling):
    "Interrupted." and 130, as once a command runs; not click's "Aborted!" and 1, which
    the README gives to problems in the input."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from generator import cli\n"
        "def interrupted(*args, **kwargs):\n"
        "    raise KeyboardInterrupt\n"
        "cli.main.make_context = interrupted\n"
        "sys.argv = ['dossier', 'build']\n"
        "cli.run()\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert (proc.returncode, proc.stderr.strip(), proc.stdout) == (130, "Interrupted.", "")
