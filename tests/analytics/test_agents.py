"""The vendored OPAWG list: every example matches its entry; apps, bots and devices as apps
send them; a broken copy is refused before it replaces the good one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from podcast.analytics.agents import (
    AGENTS_DIR,
    OUR_PLAYER,
    UPDATED_DIR,
    AgentList,
    AgentListError,
    agents_dir,
    check_copy,
)
from podcast.cli import app as cli

AGENTS = AgentList()


def _examples() -> list[tuple[str, str, str]]:
    cases = []
    for name in ("bots.json", "apps.json", "libraries.json", "browsers.json", "devices.json"):
        for entry in json.loads((AGENTS_DIR / name).read_text())["entries"]:
            cases += [(name, entry["name"], example) for example in entry.get("examples", [])]
    return cases


def test_every_example_in_the_list_matches_its_own_pattern() -> None:
    assert len(_examples()) > 800
    assert AGENTS.problems() == []


@pytest.mark.parametrize(
    ("user_agent", "kind", "name", "category"),
    [
        (
            "AppleCoreMedia/1.0.0.20E252 (iPhone; U; CPU OS 16_4_1 like Mac OS X; en_gb)",
            "library",
            "AppleCoreMedia",
            "mobile",
        ),
        ("Podcasts/1.0 CFNetwork/1410 Darwin/22.6.0", "app", "Apple Podcasts", "mobile"),
        ("Spotify/8.8.0 iOS/16.4 (iPhone15,2)", "app", "Spotify", "mobile"),
        ("Overcast/3.0 (+http://overcast.fm/; iOS podcast app)", "app", "Overcast", "mobile"),
        ("AntennaPod/3.2.0", "app", "AntennaPod", "mobile"),
        ("gPodder/3.11.1 (+http://gpodder.org/) Linux", "app", "gPodder", "computer"),
        ("Googlebot/2.1 (+http://www.google.com/bot.html)", "bot", "Googlebot", "Unknown"),
        ("curl/8.5.0", "bot", "curl", "Unknown"),
        ("", "unknown", "Unknown", "Unknown"),
    ],
)
def test_what_apps_send(user_agent: str, kind: str, name: str, category: str) -> None:
    agent = AGENTS.classify(user_agent)
    assert (agent.kind, agent.name, agent.device_category) == (kind, name, category)


def test_a_browser_on_our_page_is_our_player() -> None:
    chrome = (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Safari/537.36"
    )
    assert AGENTS.classify(chrome).name == "Chrome"
    here = AGENTS.classify(chrome, "podcast.example.nhs.uk", "podcast.example.nhs.uk")
    assert (here.name, here.device_category) == (OUR_PLAYER, "computer")


def test_newlines_cannot_smuggle_a_match() -> None:
    assert AGENTS.classify("Overcast/3.0\r\n").name == "Overcast"


def test_a_copy_with_a_bad_pattern_or_example_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "agents"
    shutil.copytree(AGENTS_DIR, copy)
    assert check_copy(copy).problems() == []
    apps = json.loads((copy / "apps.json").read_text())
    apps["entries"][0]["examples"].append("Not what the pattern says")
    (copy / "apps.json").write_text(json.dumps(apps))
    with pytest.raises(AgentListError, match="does not match its example"):
        check_copy(copy)
    apps["entries"][0]["pattern"] = "(unclosed"
    (copy / "apps.json").write_text(json.dumps(apps))
    with pytest.raises(AgentListError, match=r"apps\.json: entry 0"):
        check_copy(copy)
    (copy / "LICENSE").unlink()
    with pytest.raises(AgentListError, match="lacks LICENSE"):
        check_copy(copy)


def test_the_update_command_puts_a_checked_copy_in_the_data_folder(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {"PODCAST_DATA_DIR": str(data), "PODCAST_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    assert agents_dir(data) == AGENTS_DIR
    newer = tmp_path / "newer"
    shutil.copytree(AGENTS_DIR, newer)
    apps = json.loads((newer / "apps.json").read_text())
    apps["entries"].insert(
        0, {"name": "Our Test App", "pattern": "^OurTestApp/", "examples": ["OurTestApp/1.0"]}
    )
    (newer / "apps.json").write_text(json.dumps(apps))
    done = CliRunner().invoke(cli, ["analytics", "agents-update", str(newer)], env=env)
    assert done.exit_code == 0, done.output
    assert agents_dir(data) == data / UPDATED_DIR
    assert AgentList(agents_dir(data)).classify("OurTestApp/1.0").name == "Our Test App"
    assert AGENTS.classify("OurTestApp/1.0").name != "Our Test App", "the package is untouched"
    apps["entries"][0]["examples"] = ["Something else"]
    (newer / "apps.json").write_text(json.dumps(apps))
    refused = CliRunner().invoke(cli, ["analytics", "agents-update", str(newer)], env=env)
    assert refused.exit_code == 1
    said = " ".join(refused.output.split())
    assert "was not used" in said and "does not match its example" in said
    assert AgentList(agents_dir(data)).classify("OurTestApp/1.0").name == "Our Test App"
