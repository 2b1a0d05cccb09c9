"""Leaving the old host (issue 15): after an import, ``podcast check`` (``GET
/api/feed/check``) and the producer area say how, with our feed URL, until a producer says
the old host redirects here."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.imports.oldhost import OldHost, run_import
from tests.web.helpers import check_structure, parse, sign_in, text_of

FEED_URL = "https://podcast.example.org/feed.xml"


def old_host_findings(client: TestClient, auth: dict[str, str]) -> list[dict]:
    report = client.get("/api/feed/check", headers=auth).json()
    return [f for f in report["findings"] if f["rule"] == "show-old-host"]


def test_the_steps_are_shown_until_the_old_host_redirects(
    client: TestClient, old_host: OldHost, auth: dict[str, str], token: str
) -> None:
    assert old_host_findings(client, auth) == []
    url = old_host.feed("buzzsprout-podcasting20.xml")
    run_import(client, url, dry_run=True)
    assert client.get("/api/show").json()["moved_from_url"] is None, "a dry run writes nothing"

    run_import(client, url)
    assert client.get("/api/show").json()["moved_from_url"] == url
    [finding] = old_host_findings(client, auth)
    assert finding["severity"] == "warning" and finding["fix"] == "/admin/show#old-host-heading"
    assert url in finding["message"] and "itunes:new-feed-url" in finding["message"]
    assert FEED_URL in finding["message"] and "301" in finding["message"]

    client.base_url = "https://testserver"  # type: ignore[assignment]  # Secure cookies
    csrf = sign_in(client, token)
    feed_page = parse(client.get("/admin/feed"))
    [item] = [li for li in feed_page.xpath("//ul[@class='findings']/li") if url in text_of(li)]
    assert item.xpath(".//a/@href") == ["/admin/show#old-host-heading"]

    show_page = parse(client.get("/admin/show"))
    check_structure(show_page)
    steps = show_page.xpath("//section[@aria-labelledby='old-host-heading']")[0]
    assert "itunes:new-feed-url" in text_of(steps) and FEED_URL in text_of(steps)
    assert url in text_of(steps)

    # The producer says the old host now redirects: the reminder goes, the rest is kept.
    form = {
        name: show_page.xpath(f"string(//*[@name='{name}']/@value)")
        for name in ("title", "author", "owner_name", "owner_email", "language", "link")
    }
    form["description"] = show_page.xpath("string(//textarea[@name='description'])")
    form["category"] = show_page.xpath(
        "string(//select[@name='category']//option[@selected]/@value)"
    )
    form["show_type"] = "episodic"
    before = client.get("/api/show").json()
    response = client.post(
        "/admin/show",
        data={"csrf_token": csrf, **form, "left_old_host": "on"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    after = client.get("/api/show").json()
    assert after["moved_from_url"] is None and after["title"] == before["title"]
    assert old_host_findings(client, auth) == []
    assert not parse(client.get("/admin/show")).xpath("//*[@id='old-host-heading']")


def test_the_api_can_clear_it_too(
    client: TestClient, old_host: OldHost, auth: dict[str, str]
) -> None:
    run_import(client, old_host.feed("buzzsprout-podcasting20.xml"))
    response = client.patch("/api/show", json={"moved_from_url": None}, headers=auth)
    assert response.status_code == 200 and response.json()["moved_from_url"] is None
    assert old_host_findings(client, auth) == []
