"""The README's "Producing" example works as written (issue 14: its second command used to
fail with 409, because it never uploaded audio).

The block is read from README.md and run against the app on a real socket: once command by
command (the ``podcast`` command through typer, each ``curl`` read with :mod:`shlex` and sent
with httpx), and once as a shell script with bash and curl where they are installed. Only the
server's address, the path of ``podcast`` and the token it prints are put in.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from podcast.cli import app as cli
from podcast.core.settings import Settings
from tests.conftest import FIXTURES

README = Path(__file__).resolve().parents[2] / "README.md"
DOCUMENTED_SERVER = "http://127.0.0.1:8000"
TITLE = "Building anti-racist leadership in the NHS"


def producing_block() -> str:
    section = README.read_text(encoding="utf-8").split("\n## Producing\n", 1)[1]
    return section.split("```sh\n", 1)[1].split("\n```", 1)[0]


def commands(block: str) -> list[list[str]]:
    """Each command of the block as its words, continuation lines joined, comments dropped."""
    joined = block.replace("\\\n", " ")
    return [words for line in joined.splitlines() if (words := shlex.split(line, comments=True))]


@pytest.fixture
def workdir(tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder holding the example's audio file; the environment points ``podcast`` at the
    test's installation, as ``PODCAST_DATA_DIR`` would on a server."""
    folder = tmp_path / "work"
    folder.mkdir()
    shutil.copyfile(FIXTURES / "speech.mp3", folder / "episode-12.mp3")
    monkeypatch.chdir(folder)
    monkeypatch.setenv("PODCAST_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("PODCAST_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("PODCAST_BASE_URL", settings.base_url)
    return folder


def _curl(words: list[str], server: str, env: dict[str, str]) -> httpx.Response:
    """Send one ``curl`` command of the example (the options it uses, no others)."""
    method, url, headers = "GET", "", {}
    files: dict[str, tuple[str, bytes]] = {}
    fields: dict[str, str] = {}
    body: str | None = None
    args = iter(words[1:])
    for arg in args:
        if arg == "-sS":
            continue
        if arg == "-X":
            method = next(args)
        elif arg == "-H":
            name, _, value = next(args).partition(":")
            headers[name.strip()] = re.sub(r"\$(\w+)", lambda m: env[m[1]], value.strip())
        elif arg == "-F":
            name, _, value = next(args).partition("=")
            if value.startswith("@"):
                path = Path(value[1:])
                files[name] = (path.name, path.read_bytes())
            else:
                fields[name] = value
        elif arg == "-d":
            body = next(args)
        else:
            assert not arg.startswith("-"), f"the test does not know curl's {arg}"
            url = arg
    assert url.startswith(DOCUMENTED_SERVER), url
    return httpx.request(
        method,
        server + url.removeprefix(DOCUMENTED_SERVER),
        headers=headers,
        data=fields or None,
        files=files or None,
        content=body,
        timeout=60,
    )


def test_the_producing_example_works_command_by_command(live_server: str, workdir: Path) -> None:
    env: dict[str, str] = {}
    printed = ""
    answers: list[httpx.Response] = []
    for words in commands(producing_block()):
        if words[0].endswith("bin/podcast"):
            result = CliRunner().invoke(cli, words[1:])
            assert result.exit_code == 0, result.output
            printed = result.stdout.strip().splitlines()[-1]
        elif words[0] == "export":
            name, _, value = words[1].partition("=")
            assert value == "pod_...", "the token the command printed"
            env[name] = printed
        else:
            assert words[0] == "curl", words
            response = _curl(words, live_server, env)
            assert response.is_success, (words, response.status_code, response.text)
            answers.append(response)
    created, published, feed = answers
    assert created.status_code == 201
    assert created.json()["title"] == TITLE and created.json()["season"] == 2
    assert created.json()["audio"]["mime_type"] == "audio/mpeg"
    assert published.json()["status"] == "published"
    assert f"<title>{TITLE}</title>" in feed.text
    assert published.json()["audio"]["url"] in feed.text


@pytest.mark.skipif(not shutil.which("curl"), reason="curl is not installed")
def test_the_producing_example_runs_in_a_shell(live_server: str, workdir: Path) -> None:
    podcast = f"{shlex.quote(sys.executable)} -m podcast.cli"
    script = []
    for line in producing_block().splitlines():
        if line.startswith(".venv/bin/podcast token create"):
            command = line.split("#", 1)[0].strip().replace(".venv/bin/podcast", podcast, 1)
            line = f"PRINTED=$({command})"
        script.append(line.replace("pod_...", "$PRINTED").replace(DOCUMENTED_SERVER, live_server))
    # -f: an HTTP error fails the script, as a person reading the output would see it.
    prelude = 'set -euo pipefail\ncurl() { command curl -f "$@"; echo; }\n'
    done = subprocess.run(
        ["bash", "-c", prelude + "\n".join(script)],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ.copy(),
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"<title>{TITLE}</title>" in done.stdout
    assert '"status":"published"' in done.stdout
