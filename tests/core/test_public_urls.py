"""Every public URL's shape, pinned: apps remember these addresses."""

from __future__ import annotations

from podcast.core import public_urls
from podcast.core.public_urls import PublicUrls, content_version, split_media_name
from podcast.core.settings import Settings

KEY = "ab/" + "ab" * 32 + ".jpg"


def test_absolute_urls() -> None:
    urls = PublicUrls("https://podcast.example.org/")  # a trailing slash is dropped
    assert urls.base_url == "https://podcast.example.org"
    assert urls.home() == "https://podcast.example.org/"
    assert urls.feed() == "https://podcast.example.org/feed.xml"
    assert urls.episode_page("ep-1") == "https://podcast.example.org/episodes/ep-1"
    assert urls.enclosure("ep-1", "mp3") == "https://podcast.example.org/media/ep-1.mp3"
    assert urls.chapters("ep-1") == "https://podcast.example.org/episodes/ep-1/chapters.json"
    assert urls.image(KEY) == f"https://podcast.example.org/images/{'ab' * 32}.jpg"
    assert urls.image(None) is None


def test_transcripts_carry_lang_only_outside_the_show_language() -> None:
    urls = PublicUrls("https://podcast.example.org")
    base = "https://podcast.example.org/episodes/ep-1/transcript"
    assert urls.transcript("ep-1", "vtt", "en-GB", "en-GB") == f"{base}.vtt"
    assert urls.transcript("ep-1", "vtt", "en-gb", "EN-GB") == f"{base}.vtt"  # case is no matter
    assert urls.transcript("ep-1", "srt", "cy", "en-GB") == f"{base}.srt?lang=cy"
    assert urls.transcript("ep-1", "json", "en", "en-GB") == f"{base}.json?lang=en"
    assert public_urls.transcript_path("ep-1", "html", "cy", "en-GB") == (
        "/episodes/ep-1/transcript.html?lang=cy"
    )
    assert public_urls.transcript_page_path("ep-1") == "/episodes/ep-1/transcript"


def test_same_origin_paths_match_the_absolute_urls() -> None:
    urls = PublicUrls("https://podcast.example.org")
    pairs = [
        (public_urls.episode_path("ep-1"), urls.episode_page("ep-1")),
        (public_urls.enclosure_path("ep-1", "m4a"), urls.enclosure("ep-1", "m4a")),
        (public_urls.chapters_path("ep-1"), urls.chapters("ep-1")),
        (public_urls.image_path(KEY), urls.image(KEY)),
    ]
    for path, url in pairs:
        assert url == urls.base_url + path


def test_settings_hand_out_the_same_urls() -> None:
    settings = Settings(base_url="https://podcast.example.org/", _env_file=None)  # type: ignore[call-arg]
    assert settings.feed_url == "https://podcast.example.org/feed.xml"
    assert settings.public_urls.episode_page("x") == "https://podcast.example.org/episodes/x"


def test_enclosures_carry_a_content_version() -> None:
    urls = PublicUrls("https://podcast.example.org/")
    version = content_version("ab" * 32)
    assert version == "abababab" + "ab"
    assert urls.enclosure("ep-1", "mp3", version) == (
        "https://podcast.example.org/media/ep-1.ababababab.mp3"
    )
    assert split_media_name("ep-1.ababababab.mp3") == ("ep-1", "ababababab", "mp3")
    assert split_media_name("ep-1.mp3") == ("ep-1", None, "mp3")
    assert split_media_name("ep-1") == ("", None, "ep-1")
