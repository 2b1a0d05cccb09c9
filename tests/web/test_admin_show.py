"""Show settings and show artwork in the producer area, without a browser: each form's
success and error paths, CSRF refusal and the session requirement, on both databases."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest
from fastapi.testclient import TestClient

from podcast.core import auth as auth_module
from podcast.shows.categories import APPLE_CATEGORIES
from tests.feed.support import image_bytes
from tests.web.helpers import check_links, check_structure, csrf_of, h1, parse, text_of

X = " \N{MULTIPLICATION SIGN} "  # as the page writes sizes, with spaces
FORM = {
    "title": "Leadership Live",
    "subtitle": "Conversations about compassionate leadership",
    "description": "Leaders from across the NHS in the North West talk about their work.",
    "author": "NHS North West Leadership Academy",
    "owner_name": "Leadership Academy podcast team",
    "owner_email": "podcast@example.nhs.uk",
    "language": "en-GB",
    "category": "Health & Fitness|Mental Health",
    "show_type": "serial",
    "explicit": "on",
    "link": "https://example.nhs.uk/leadership-live",
    "copyright": "© 2026 NHS North West Leadership Academy",
    "funding_url": "https://example.nhs.uk/support",
    "funding_text": "Support the academy",
}


def _field_error(doc: lxml.html.HtmlElement, field: str) -> str:
    errors = doc.xpath(f"//p[@id='{field}-error']")
    assert errors, f"no error shown for {field}"
    if field == "show_type":  # a radio group: its fieldset is described by the error
        fieldset = doc.xpath(f"//fieldset[.//input[@id='{field}']]")[0]
        assert fieldset.get("aria-describedby") == f"{field}-error"
        return text_of(errors[0])
    control = doc.xpath(f"//*[@id='{field}']")[0]
    assert f"{field}-error" in control.get("aria-describedby", "")
    assert control.get("aria-invalid") == "true"
    return text_of(errors[0])


def _stored(web: TestClient) -> set[Path]:
    """Every file under the media folder, temp uploads included."""
    media = Path(web.app.state.settings.media_dir)  # type: ignore[attr-defined]
    return {p for p in media.rglob("*") if p.is_file()}


def _artwork(web: TestClient, csrf: str | None, data: bytes, kind: str = "image/png"):  # type: ignore[no-untyped-def]
    fields = {"csrf_token": csrf} if csrf is not None else {}
    return web.post(
        "/admin/show/artwork",
        data=fields,
        files={"file": ("art.png", data, kind)},
        follow_redirects=False,
    )


def test_show_pages_need_a_session(web: TestClient) -> None:
    response = web.get("/admin/show", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/login?next=/admin/show"
    saved = web.post("/admin/show", data=FORM, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"].startswith("/admin/login")
    art = _artwork(web, None, image_bytes(1400, fmt="PNG"))
    assert art.status_code == 303 and art.headers["location"].startswith("/admin/login")
    assert web.get("/api/show").json()["title"] != FORM["subtitle"]
    assert web.get("/api/show").json()["artwork_url"] is None
    assert not [p for p in _stored(web) if p.suffix == ".part"]


def test_show_page(web: TestClient, admin: str) -> None:
    response = web.get("/admin/show")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "private, no-store"
    doc = parse(response)
    check_structure(doc)
    assert h1(doc) == "Show settings"
    assert doc.xpath("//nav[@aria-label='Producer area']//a[@aria-current='page']/@href") == [
        "/admin/show"
    ]
    for action in ("/admin/show", "/admin/show/artwork"):
        assert csrf_of(doc, action) == admin
    assert doc.xpath("//form[@action='/admin/show/artwork']/@enctype") == ["multipart/form-data"]
    # One optgroup per Apple category; the default show's pair is selected.
    groups = doc.xpath("//select[@id='category']/optgroup/@label")
    assert groups == list(APPLE_CATEGORIES)
    assert doc.xpath("//select[@id='category']//option[@selected]/@value") == [
        "Business|Management"
    ]
    assert doc.xpath("//input[@id='language']/@value") == ["en-GB"]
    assert doc.xpath("//input[@id='locked']/@checked")
    assert doc.xpath("//input[@id='show_type']/@checked")  # episodic
    # The artwork rules are stated next to the file field.
    hint = text_of(doc.xpath("//p[@id='artwork-hint']")[0])
    assert "square JPEG or PNG" in hint and f"1400{X}1400" in hint and f"3000{X}3000" in hint
    assert "RGB" in hint
    assert "aria-describedby" in lxml.html.tostring(doc.xpath("//input[@id='artwork']")[0]).decode()
    assert "No artwork yet" in text_of(doc.xpath("//main")[0])
    check_links(web, doc, skip={"/feed.xml"})


def test_save_show_settings(web: TestClient, auth: dict[str, str], admin: str) -> None:
    response = web.post("/admin/show", data={"csrf_token": admin, **FORM}, follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/admin/show?done=saved"
    show = web.get("/api/show").json()
    assert show["title"] == "Leadership Live"
    assert show["subtitle"] == FORM["subtitle"]
    assert show["owner_email"] == "podcast@example.nhs.uk"
    assert (show["category"], show["subcategory"]) == ("Health & Fitness", "Mental Health")
    assert show["show_type"] == "serial" and show["explicit"] is True
    assert show["locked"] is False  # the box was not sent: unticked
    assert show["link"] == FORM["link"] and show["copyright"] == FORM["copyright"]
    assert show["funding"] == [{"url": FORM["funding_url"], "text": "Support the academy"}]
    doc = parse(web.get(response.headers["location"]))
    assert "Show settings saved." in text_of(doc.xpath("//div[contains(@class,'notice')]")[0])
    assert doc.xpath("//select[@id='category']//option[@selected]/@value") == [FORM["category"]]
    assert doc.xpath("//input[@id='show_type-serial']/@checked")
    # The feed follows at once.
    feed = web.get("/feed.xml").text
    assert "<itunes:type>serial</itunes:type>" in feed and "Mental Health" in feed

    # A category without a subcategory, optional fields cleared, locked again.
    cleared = {
        **FORM,
        "category": "Government",
        "subtitle": " ",
        "link": "",
        "copyright": "",
        "funding_url": "",
        "locked": "on",
    }
    web.post("/admin/show", data={"csrf_token": admin, **cleared})
    show = web.get("/api/show").json()
    assert (show["category"], show["subcategory"]) == ("Government", None)
    assert show["subtitle"] is None and show["link"] is None and show["copyright"] is None
    assert show["funding"] == [] and show["locked"] is True


def test_directory_addresses_in_show_settings(web: TestClient, admin: str) -> None:
    """A producer pastes the show's pages; the ids are kept and the home page links to them."""
    form = {
        **FORM,
        "apple_podcasts_id": "https://podcasts.apple.com/gb/podcast/leadership-live/id1234567890",
        "spotify_show_id": "https://open.spotify.com/show/4rOoJ6Egrf8K2IrywzwOMk?si=abc",
    }
    response = web.post("/admin/show", data={"csrf_token": admin, **form}, follow_redirects=False)
    assert response.status_code == 303, response.text
    show = web.get("/api/show").json()
    assert show["apple_podcasts_id"] == "1234567890"
    assert show["spotify_show_id"] == "4rOoJ6Egrf8K2IrywzwOMk"
    doc = parse(web.get("/admin/show"))
    check_structure(doc)
    assert doc.xpath("//input[@id='apple_podcasts_id']/@value") == ["1234567890"]
    home = parse(web.get("/"))
    assert "https://podcasts.apple.com/podcast/id1234567890" in home.xpath("//a/@href")
    # Emptied fields clear them.
    web.post("/admin/show", data={"csrf_token": admin, **FORM, "apple_podcasts_id": " "})
    show = web.get("/api/show").json()
    assert show["apple_podcasts_id"] is None and show["spotify_show_id"] is None


def test_other_funding_links_are_kept(web: TestClient, auth: dict[str, str], admin: str) -> None:
    funding = [
        {"url": "https://example.org/one", "text": "One"},
        {"url": "https://example.org/two", "text": "Two"},
    ]
    assert web.patch("/api/show", json={"funding": funding}, headers=auth).status_code == 200
    doc = parse(web.get("/admin/show"))
    assert doc.xpath("//input[@id='funding_url']/@value") == ["https://example.org/one"]
    assert "Other funding links set through the API are kept" in text_of(doc.xpath("//main")[0])
    form = {**FORM, "funding_url": "https://example.org/new", "funding_text": ""}
    web.post("/admin/show", data={"csrf_token": admin, **form})
    assert web.get("/api/show").json()["funding"] == [
        {"url": "https://example.org/new", "text": "Support the show"},
        {"url": "https://example.org/two", "text": "Two"},
    ]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": "  "}, "title", "Enter the show's title"),
        ({"description": ""}, "description", "Enter a description"),
        ({"owner_email": "not an email"}, "owner_email", "Enter an email address"),
        ({"language": "English"}, "language", "Enter a language code"),
        ({"link": "example.org"}, "link", "Enter a full web address"),
        ({"funding_url": "javascript:alert(1)"}, "funding_url", "Enter a full web address"),
        ({"funding_text": "x" * 129}, "funding_text", "128 characters or fewer"),
        ({"category": "Business|Comedy Interviews"}, "category", "Choose a category"),
        ({"category": "Games & Hobbies"}, "category", "Choose a category"),
        ({"show_type": "daily"}, "show_type", "Choose episodic or serial"),
        ({"subtitle": "x" * 256}, "subtitle", "255 characters or fewer"),
        ({"apple_podcasts_id": "https://example.org/id1"}, "apple_podcasts_id", "Apple Podcasts"),
        ({"spotify_show_id": "javascript:alert(1)"}, "spotify_show_id", "Spotify address"),
    ],
)
def test_show_settings_errors_keep_the_input(
    web: TestClient, admin: str, changes: dict[str, str], field: str, message: str
) -> None:
    before = web.get("/api/show").json()
    form = {"csrf_token": admin, **FORM, **changes}
    response = web.post("/admin/show", data=form)
    assert response.status_code == 422
    doc = parse(response)
    check_structure(doc)
    assert doc.xpath("string(//title)").startswith("Error:")
    assert message in _field_error(doc, field)
    assert f"#{field}" in doc.xpath("//div[@class='error-summary']//a/@href")
    # What was typed stays in the form, and nothing was saved.
    assert doc.xpath("//input[@id='author']/@value") == [FORM["author"]]
    assert doc.xpath("string(//textarea[@id='description'])") == form["description"]
    assert web.get("/api/show").json() == before


def test_show_posts_need_the_csrf_token(web: TestClient, admin: str) -> None:
    before = web.get("/api/show").json()
    other = auth_module.csrf_token(web.app.state.web.secret, "another-session")  # type: ignore[attr-defined]
    for token in (None, "forged", other):
        body = FORM if token is None else {**FORM, "csrf_token": token}
        response = web.post("/admin/show", data=body, follow_redirects=False)
        assert response.status_code == 403
        assert h1(parse(response)) == "The form could not be sent"
        art = _artwork(web, token, image_bytes(1400, fmt="PNG"))
        assert art.status_code == 403
    header = web.post(
        "/admin/show/artwork",
        files={"file": ("a.png", image_bytes(1400, fmt="PNG"), "image/png")},
        headers={"X-CSRF-Token": "forged"},
        follow_redirects=False,
    )
    assert header.status_code == 403
    assert web.get("/api/show").json() == before
    assert _stored(web) == set()  # no picture and no temp file left behind


def test_upload_artwork(web: TestClient, admin: str) -> None:
    response = _artwork(web, admin, image_bytes(1400, fmt="PNG"))
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/admin/show?done=artwork"
    url = web.get("/api/show").json()["artwork_url"]
    assert url and url.endswith(".png")
    doc = parse(web.get(response.headers["location"]))
    assert "Artwork uploaded." in text_of(doc.xpath("//div[contains(@class,'notice')]")[0])
    img = doc.xpath("//figure[@class='artwork-preview']/img")[0]
    assert url.endswith(img.get("src")) and img.get("alt")
    assert web.get(img.get("src")).status_code == 200
    caption = text_of(doc.xpath("//figure[@class='artwork-preview']/figcaption")[0])
    assert caption == f"Current artwork: 1400{X}1400 pixels, PNG."
    assert doc.xpath("//label[@for='artwork']/text()") == ["New artwork image"]
    # The feed check no longer reports missing artwork.
    feed_check = text_of(parse(web.get("/admin/feed")).xpath("//main")[0])
    assert "no artwork" not in feed_check.lower()
    # A JPEG replaces it, sent by the script with the token as a header.
    jpeg = web.post(
        "/admin/show/artwork",
        files={"file": ("art.jpg", image_bytes(2000), "image/jpeg")},
        headers={"X-CSRF-Token": admin},
        follow_redirects=False,
    )
    assert jpeg.status_code == 303
    caption = text_of(parse(web.get("/admin/show")).xpath("//figcaption")[0])
    assert caption == f"Current artwork: 2000{X}2000 pixels, JPEG."
    assert not [p for p in _stored(web) if p.suffix == ".part"]


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        (image_bytes(1400, fmt="GIF", mode="P", colour=1), 415, "not a JPEG or PNG"),
        (b"not an image", 415, "not a JPEG or PNG"),
        (image_bytes(1400, 1500), 422, "must be square"),
        (image_bytes(1000), 422, "between 1400x1400 and 3000x3000"),
        (image_bytes(1400, mode="CMYK", colour=(0, 0, 0, 0)), 422, "RGB"),
        (image_bytes(1400)[:2000], 422, "damaged or truncated"),
        (b"", 422, "Choose a JPEG or PNG image"),
    ],
    ids=["gif", "text", "not-square", "small", "cmyk", "truncated", "empty"],
)
def test_artwork_errors_are_shown_next_to_the_field(
    web: TestClient, admin: str, data: bytes, status: int, message: str
) -> None:
    response = _artwork(web, admin, data)
    assert response.status_code == status
    doc = parse(response)
    check_structure(doc)
    assert message in _field_error(doc, "artwork")
    assert doc.xpath(
        "//section[@aria-labelledby='artwork-heading']//div[@class='error-summary']//a/@href"
    ) == ["#artwork"]
    assert web.get("/api/show").json()["artwork_url"] is None
    assert _stored(web) == set()  # the refused file is not kept


def test_too_large_artwork(web: TestClient, admin: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("podcast.web.admin.show.MAX_BYTES", 1024 * 1024)
    response = _artwork(web, admin, b"\x89PNG\r\n\x1a\n" + b"\0" * (1024 * 1024 + 10))
    assert response.status_code == 413
    assert "larger than the 1 MiB" in _field_error(parse(response), "artwork")
    assert _stored(web) == set()


def test_feed_check_links_to_show_settings(web: TestClient, admin: str) -> None:
    doc = parse(web.get("/admin/feed"))
    links = doc.xpath("//ul[@class='findings']//a[starts-with(@href, '/admin/show')]")
    assert [(a.get("href"), text_of(a)) for a in links] == [
        ("/admin/show#artwork-heading", "Upload artwork in show settings"),
        ("/admin/show#owner_email", "Set the owner email in show settings"),  # a placeholder
    ]
    target = parse(web.get("/admin/show"))
    assert target.xpath("//*[@id='artwork-heading']") and target.xpath("//*[@id='owner_email']")
    assert doc.xpath("//ul[@class='findings']//a[@href='/admin/episodes/new']")
