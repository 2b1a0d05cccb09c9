"""The one language-tag rule (podcast.core.languages) and its edge cases."""

from __future__ import annotations

import pytest

from podcast.core.errors import Invalid
from podcast.core.languages import (
    is_channel_language,
    is_language_tag,
    is_well_formed,
    normalise,
    parse_language_tag,
    primary,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("en", "en"),
        ("EN", "en"),
        ("en-gb", "en-GB"),
        ("EN_gb", "en-GB"),
        ("cy", "cy"),
        (" cy ", "cy"),
        ("en_GB", "en-GB"),
        ("es-419", "es-419"),
        ("zh-hant-tw", "zh-Hant-TW"),
        ("sr-latn-rs", "sr-Latn-RS"),
        ("zh-yue-hk", "zh-yue-HK"),  # extlang stays lower case
        ("de-CH-1996", "de-CH-1996"),  # a digit-led variant
        ("sl-rozaj-biske", "sl-rozaj-biske"),
        ("en-GB-u-ca-gregory", "en-GB-u-ca-gregory"),
        ("en-x-nhs-nw", "en-x-nhs-nw"),  # after a singleton nothing is upper-cased
        ("fil", "fil"),
    ],
)
def test_tags_are_accepted_in_one_spelling(value: str, expected: str) -> None:
    assert is_language_tag(value)
    assert is_well_formed(expected)
    assert parse_language_tag(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        " ",
        "e",
        "english",  # 5-8 letter primary subtags are reserved; none is registered
        "engl",
        "en-",
        "-en",
        "en--GB",
        "en GB",
        "english!",
        "en-GB-",
        "en-a",  # a singleton needs a subtag after it
        "en-x",
        "en-toolongsubtag",
        "en-GB-oed",  # grandfathered: not accepted (the registry has en-GB-oxendict)
        "x-private",  # private use alone names no language a listener could read
        "i-klingon",
        "ça",
        "en-GB-" + "-".join(["abcde"] * 6),  # well-formed but past 35 characters
        "1234",
    ],
)
def test_non_tags_are_refused_with_the_field_named(value: str) -> None:
    assert not is_language_tag(value)
    assert not is_well_formed(value)
    with pytest.raises(Invalid) as caught:
        parse_language_tag(value)
    assert caught.value.field == "language"
    assert "language code such as en-GB" in caught.value.message


def test_people_may_type_what_files_and_feeds_may_not_write() -> None:
    """``is_language_tag`` is "parse would take it"; ``is_well_formed`` is the written form."""
    assert parse_language_tag(" fr_fr\n") == "fr-FR"
    for typed in ("fr-FR\n", " cy", "en_GB"):
        assert is_language_tag(typed)
        assert not is_well_formed(typed)
    assert is_well_formed("EN-gb")  # case is not part of well-formedness


def test_non_strings_are_not_tags() -> None:
    assert not is_language_tag(None)
    assert not is_language_tag(42)
    assert not is_well_formed(None)


def test_thirty_five_characters_is_the_longest() -> None:
    longest = "en-GB-abcde-fghij-klmno-pqrst-uvwxy"
    assert len(longest) == 35
    assert is_well_formed(longest) and is_language_tag(f" {longest} ")
    assert not is_language_tag(longest + "z")


def test_primary_language() -> None:
    assert primary("EN_gb") == "en"
    assert primary("cy") == "cy"


def test_normalise_is_idempotent() -> None:
    for tag in ("en-GB", "zh-Hant-TW", "es-419", "en-x-nhs"):
        assert normalise(normalise(tag)) == normalise(tag) == tag


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("en", True),
        ("en-GB", True),
        ("en-us", True),  # Apple's own example is lower case
        ("es-419", True),
        ("fil", True),
        ("zh-Hant", False),  # a script: well-formed BCP 47, not what Apple documents
        ("en-GB-oxendict", False),
        ("en_GB", False),
        ("english", False),
        ("", False),
        (None, False),
    ],
)
def test_the_channel_language_is_stricter(value: str | None, ok: bool) -> None:
    assert is_channel_language(value) is ok
    if ok:
        assert is_well_formed(value)
