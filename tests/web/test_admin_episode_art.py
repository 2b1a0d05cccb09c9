"""The episode page's artwork and chapters forms, without a browser: they work without
JavaScript, check CSRF, save through the API's services and put each problem next to its
field with an accessible label."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories import create_episode
from tests.feed.support import NS, feed_xml, image_bytes, items
from tests.web.helpers import check_structure, parse, text_of


def _edit(web: TestClient, episode_id: int, query: str = "") -> object:
    response = web.get(f"/admin/episodes/{episode_id}{query}")
    assert response.status_code == 200, response.text
    return parse(response)


def _chapters_form(rows: list[tuple[str, str, str, str]], csrf: str, **extra: str) -> dict:
    form = {"csrf_token": csrf, "rows": str(len(rows)), **extra}
    for i, (start, title, url, img) in enumerate(rows):
        form |= {f"start-{i}": start, f"title-{i}": title, f"url-{i}": url, f"img-{i}": img}
    return form


def test_upload_and_remove_artwork(web: TestClient, admin: str, auth: dict[str, str]) -> None:
    episode = create_episode(web, auth, "Art")
    doc = _edit(web, episode["id"])
    check_structure(doc)  # type: ignore[arg-type]
    assert "No artwork of its own" in text_of(
        doc.xpath("//section[@aria-labelledby='artwork-heading']")[0]
    )  # type: ignore[attr-defined]
    response = web.post(
        f"/admin/episodes/{episode['id']}/artwork",
        data={"csrf_token": admin},
        files={"file": ("art.png", image_bytes(1400, fmt="PNG"), "image/png")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/admin/episodes/{episode['id']}?done=artwork"
    art = web.get(f"/api/episodes/{episode['id']}").json()["artwork"]
    assert art["url"].endswith(".png")
    doc = parse(web.get(response.headers["location"]))
    check_structure(doc)
    img = doc.xpath("//figure[@class='artwork-preview']/img")[0]
    assert art["url"].endswith(img.get("src")) and img.get("alt")
    item = next(i for i in items(feed_xml(web)) if i.findtext("title") == "Art")
    assert item.find("itunes:image", NS).get("href") == art["url"]  # type: ignore[union-attr]

    # Remove: a plain form with the CSRF token; a forged one changes nothing.
    action = f"/admin/episodes/{episode['id']}/artwork/remove"
    forged = web.post(action, data={"csrf_token": "forged"}, follow_redirects=False)
    assert forged.status_code == 403
    removed = web.post(action, data={"csrf_token": admin}, follow_redirects=False)
    assert removed.status_code == 303
    assert web.get(f"/api/episodes/{episode['id']}").json()["artwork"] is None
    notice = parse(web.get(removed.headers["location"])).xpath("//div[@role='status']")[0]
    assert "Artwork removed" in text_of(notice)


def test_refused_artwork_is_shown_next_to_the_field(
    web: TestClient, admin: str, auth: dict[str, str]
) -> None:
    episode = create_episode(web, auth, publish=False)
    response = web.post(
        f"/admin/episodes/{episode['id']}/artwork",
        data={"csrf_token": admin},
        files={"file": ("small.jpg", image_bytes(1000), "image/jpeg")},
    )
    assert response.status_code == 422
    doc = parse(response)
    check_structure(doc)
    assert doc.xpath("string(//title)").startswith("Error: ")
    error = text_of(doc.xpath("//p[@id='episode-artwork-error']")[0])
    assert "between 1400x1400 and 3000x3000" in error
    field = doc.xpath("//input[@id='episode-artwork']")[0]
    assert field.get("aria-invalid") == "true"
    assert "episode-artwork-error" in field.get("aria-describedby")
    assert doc.xpath("//div[@class='error-summary']//a/@href") == ["#episode-artwork"]
    gif = web.post(
        f"/admin/episodes/{episode['id']}/artwork",
        data={"csrf_token": admin},
        files={"file": ("a.gif", image_bytes(1400, fmt="GIF", mode="P", colour=1), "image/gif")},
    )
    assert gif.status_code == 415
    assert "not a JPEG or PNG" in text_of(parse(gif).xpath("//p[@id='episode-artwork-error']")[0])


def test_chapters_editor_saves_adds_and_removes(
    web: TestClient, admin: str, auth: dict[str, str]
) -> None:
    episode = create_episode(web, auth, "Chaptered")
    doc = _edit(web, episode["id"])
    check_structure(doc)  # type: ignore[arg-type]
    form = doc.xpath(f"//form[@action='/admin/episodes/{episode['id']}/chapters']")[0]  # type: ignore[attr-defined]
    assert form.get("method") == "post" and not form.xpath(".//script")
    # Three empty rows to fill, each cell labelled.
    assert form.xpath(".//input[@name='rows']/@value") == ["3"]
    label = form.xpath(".//label[@for='chapter-0-start']")[0]
    assert text_of(label) == "Start of chapter 1"

    rows = [
        ("0", "Welcome", "https://example.org/", ""),
        ("0:02.5", "Main part", "", "https://example.org/main.png"),
        ("", "", "", ""),  # an empty row adds nothing
    ]
    saved = web.post(
        f"/admin/episodes/{episode['id']}/chapters",
        data=_chapters_form(rows, admin),
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    api = web.get(f"/api/episodes/{episode['id']}/chapters").json()
    assert [(c["start"], c["title"], c["url"], c["img"]) for c in api] == [
        (0.0, "Welcome", "https://example.org/", None),
        (2.5, "Main part", None, "https://example.org/main.png"),
    ]
    item = next(i for i in items(feed_xml(web)) if i.findtext("title") == "Chaptered")
    titles = [c.get("title") for c in item.findall("psc:chapters/psc:chapter", NS)]
    assert titles == ["Welcome", "Main part"]

    # The page shows them for editing, then five rows in all; removing one keeps the other.
    doc = parse(web.get(saved.headers["location"]))
    assert "Chapters saved." in text_of(doc.xpath("//div[@role='status']")[0])
    assert doc.xpath("//input[@id='chapter-1-start']/@value") == ["0:02.5"]
    assert doc.xpath("//input[@name='rows']/@value") == ["5"]
    rows = [("0", "Welcome", "https://example.org/", ""), ("0:02.5", "Main part", "", "")]
    removed = web.post(
        f"/admin/episodes/{episode['id']}/chapters",
        data=_chapters_form(rows, admin, **{"remove-0": "on"}),
        follow_redirects=False,
    )
    assert removed.status_code == 303
    api = web.get(f"/api/episodes/{episode['id']}/chapters").json()
    assert [(c["start"], c["title"], c["img"]) for c in api] == [(2.5, "Main part", None)]


def test_chapter_errors_sit_next_to_their_cells(
    web: TestClient, admin: str, auth: dict[str, str]
) -> None:
    episode = create_episode(web, auth, publish=False)
    web.put(
        f"/api/episodes/{episode['id']}/chapters",
        json=[{"start": 0, "title": "Kept"}],
        headers=auth,
    )
    rows = [
        ("0:03", "Second", "", ""),
        ("0:01", "Before it", "javascript:alert(1)", ""),
        ("", "No start", "", ""),
    ]
    response = web.post(
        f"/admin/episodes/{episode['id']}/chapters", data=_chapters_form(rows, admin)
    )
    assert response.status_code == 422
    doc = parse(response)
    check_structure(doc)
    assert doc.xpath("string(//title)").startswith("Error: ")
    errors = {e.get("id"): text_of(e) for e in doc.xpath("//p[@class='field-error']")}
    assert "after the previous chapter's start" in errors["chapter-1-start-error"]
    assert "http:// or https://" in errors["chapter-1-url-error"]
    assert "is required" in errors["chapter-2-start-error"].lower()
    cell = doc.xpath("//input[@id='chapter-1-url']")[0]
    assert cell.get("aria-invalid") == "true" and cell.get("value") == "javascript:alert(1)"
    assert cell.get("aria-describedby") == "chapter-1-url-error"
    assert doc.xpath("//div[@class='error-summary']//a/@href") == [
        "#chapter-1-start",
        "#chapter-1-url",
        "#chapter-2-start",
    ]
    # What was typed is kept; nothing was saved.
    assert doc.xpath("//input[@id='chapter-2-title']/@value") == ["No start"]
    chapters = web.get(f"/api/episodes/{episode['id']}/chapters", headers=auth).json()
    assert [c["title"] for c in chapters] == ["Kept"]


def test_chapters_form_needs_csrf_and_audio(
    web: TestClient, admin: str, auth: dict[str, str]
) -> None:
    episode = create_episode(web, auth, publish=False)
    action = f"/admin/episodes/{episode['id']}/chapters"
    forged = web.post(action, data=_chapters_form([("0", "A", "", "")], "forged"))
    assert forged.status_code == 403
    assert web.get(f"/api/episodes/{episode['id']}/chapters", headers=auth).json() == []
    bare = create_episode(web, auth, audio=None, publish=False)
    doc = _edit(web, bare["id"])
    section = doc.xpath("//section[@aria-labelledby='chapters-editor-heading']")[0]  # type: ignore[attr-defined]
    assert "Upload the audio first" in text_of(section)
    refused = web.post(
        f"/admin/episodes/{bare['id']}/chapters", data=_chapters_form([("0", "A", "", "")], admin)
    )
    assert refused.status_code == 409
    assert "Upload the audio before setting chapters" in text_of(
        parse(refused).xpath("//p[@id='chapters-error']")[0]
    )


def _media_files(web: TestClient) -> set[str]:
    """Every file under the media folder, staging area included."""
    root = web.app.state.settings.media_dir  # type: ignore[attr-defined]
    return {str(p) for p in root.rglob("*") if p.is_file()}


def test_chapter_image_upload_per_row(web: TestClient, admin: str, auth: dict[str, str]) -> None:
    """Each stored chapter's row uploads a picture through its own small form: stored as the
    API's chapter image route stores it, its URL in the row's image address, the feed's
    chapters file and the episode page; a refused file is shown in its row, nothing kept."""
    episode = create_episode(web, auth, "Chaptered")
    base = f"/admin/episodes/{episode['id']}"
    chapters = [{"start": 0, "title": "Welcome"}, {"start": 2, "title": "The interview"}]
    assert web.put(f"/api/episodes/{episode['id']}/chapters", json=chapters, headers=auth)
    doc = _edit(web, episode["id"])
    check_structure(doc)  # type: ignore[arg-type]
    # Only the two stored chapters have an upload, each joined to its own form.
    inputs = doc.xpath("//input[@type='file'][starts-with(@id, 'chapter-')]")  # type: ignore[attr-defined]
    assert [i.get("id") for i in inputs] == ["chapter-0-image", "chapter-1-image"]
    assert [i.get("form") for i in inputs] == ["chapter-0-image-form", "chapter-1-image-form"]
    form = doc.xpath("//form[@id='chapter-1-image-form']")[0]  # type: ignore[attr-defined]
    assert form.get("action") == f"{base}/chapters/1/image"
    assert form.get("enctype") == "multipart/form-data"
    assert form.xpath(".//input[@name='csrf_token']/@value") == [admin]
    label = doc.xpath("//label[@for='chapter-1-image']")[0]  # type: ignore[attr-defined]
    assert text_of(label) == "Image file for chapter 2"

    picture = image_bytes(640, 360, fmt="PNG")  # any size: chapter images need not be square
    response = web.post(
        f"{base}/chapters/1/image",
        data={"csrf_token": admin},
        files={"file": ("guest.png", picture, "image/png")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"{base}?done=chapter-image"
    read = web.get(f"/api/episodes/{episode['id']}/chapters").json()
    img = read[1]["img"]
    assert read[0]["img"] is None and img.startswith("https://podcast.example.org/images/")
    served = web.get(img.removeprefix("https://podcast.example.org"))
    assert served.status_code == 200 and served.content == picture
    doc = parse(web.get(response.headers["location"]))
    assert "Chapter image uploaded" in text_of(doc.xpath("//div[@role='status']")[0])
    assert doc.xpath("//input[@id='chapter-1-img']/@value") == [img]
    # Saving the table as shown keeps the uploaded picture (its own address is recognised).
    rows = [("0", "Welcome", "", ""), ("0:02", "The interview", "", img)]
    saved = web.post(f"{base}/chapters", data=_chapters_form(rows, admin), follow_redirects=False)
    assert saved.status_code == 303, saved.text
    assert web.get(f"/api/episodes/{episode['id']}/chapters").json()[1]["img"] == img

    # Refused: not an image, no file, no such chapter, a forged token. Each in its row (or
    # refused outright), nothing stored, nothing left in the media folder.
    before = _media_files(web)
    cases = [
        (0, {"file": ("notes.txt", b"not a picture", "text/plain")}, admin, 415, "not a JPEG"),
        (0, {"file": ("empty.png", b"", "image/png")}, admin, 422, "Choose a JPEG or PNG"),
        (5, {"file": ("x.png", picture, "image/png")}, admin, 404, "Chapter 5 does not exist"),
    ]
    for index, files, token, status, message in cases:
        refused = web.post(
            f"{base}/chapters/{index}/image", data={"csrf_token": token}, files=files
        )
        assert refused.status_code == status, refused.text
        page = parse(refused)
        error = page.xpath(f"//p[@id='chapter-{index}-image-error']")
        if index < 2:
            assert message in text_of(error[0]), text_of(error[0])
            control = page.xpath(f"//input[@id='chapter-{index}-image']")[0]
            assert control.get("aria-describedby") == f"chapter-{index}-image-error"
            assert f"#chapter-{index}-image" in page.xpath("//div[@class='error-summary']//a/@href")
        else:
            assert message in text_of(page.xpath("//p[@id='chapters-error']")[0])
        assert _media_files(web) == before
    forged = web.post(
        f"{base}/chapters/0/image",
        data={"csrf_token": "forged"},
        files={"file": ("x.png", image_bytes(700, fmt="PNG"), "image/png")},
    )
    assert forged.status_code == 403
    assert _media_files(web) == before
    assert [c["img"] for c in web.get(f"/api/episodes/{episode['id']}/chapters").json()] == [
        None,
        img,
    ]
