"""Apple's 2019+ category list and the validation messages a show editor will see."""

from __future__ import annotations

import pytest

from podcast.shows.categories import (
    APPLE_CATEGORIES,
    RETIRED_CATEGORIES,
    is_valid,
    validate_category,
)

TOP_LEVEL = [
    "Arts",
    "Business",
    "Comedy",
    "Education",
    "Fiction",
    "Government",
    "History",
    "Health & Fitness",
    "Kids & Family",
    "Leisure",
    "Music",
    "News",
    "Religion & Spirituality",
    "Science",
    "Society & Culture",
    "Sports",
    "Technology",
    "True Crime",
    "TV & Film",
]


def test_exactly_the_19_top_level_categories() -> None:
    assert sorted(APPLE_CATEGORIES) == sorted(TOP_LEVEL)
    assert len(APPLE_CATEGORIES) == 19


@pytest.mark.parametrize("category", TOP_LEVEL)
def test_each_top_level_category_is_valid(category: str) -> None:
    validate_category(category, None)
    assert is_valid(category)


@pytest.mark.parametrize(
    ("category", "subcategory"),
    [
        ("Business", "Management"),  # Leadership Live's own category
        ("Education", None),
        ("Health & Fitness", "Medicine"),
        ("Arts", "Fashion & Beauty"),
        ("Kids & Family", "Pets & Animals"),
        ("Leisure", "Animation & Manga"),
        ("Religion & Spirituality", "Spirituality"),
        ("Science", "Social Sciences"),
        ("Society & Culture", "Places & Travel"),
        ("Education", "Self-Improvement"),
        ("TV & Film", "After Shows"),
        ("Comedy", "Stand-Up"),
        ("News", "Tech News"),
    ],
)
def test_valid_pairs(category: str, subcategory: str | None) -> None:
    validate_category(category, subcategory)
    assert is_valid(category, subcategory)


def test_subcategory_counts() -> None:
    counts = {cat: len(subs) for cat, subs in APPLE_CATEGORIES.items()}
    assert counts["Sports"] == 15
    assert counts["Science"] == 9
    assert counts["Leisure"] == 8
    assert sum(counts.values()) == 91
    assert [c for c, n in counts.items() if n == 0] == [
        "Government",
        "History",
        "Technology",
        "True Crime",
    ]


def test_names_use_a_plain_ampersand_and_no_stray_spaces() -> None:
    names = list(APPLE_CATEGORIES) + [s for subs in APPLE_CATEGORIES.values() for s in subs]
    assert all("&amp;" not in n and n == n.strip() and "  " not in n for n in names)


def test_mapping_is_immutable() -> None:
    with pytest.raises(TypeError):
        APPLE_CATEGORIES["Podcasting"] = frozenset()  # type: ignore[index]
    assert isinstance(APPLE_CATEGORIES["Arts"], frozenset)


@pytest.mark.parametrize(
    ("category", "subcategory"),
    [
        ("Kids & family", None),
        ("Health & fitness", None),
        ("religion & spirituality", None),
        ("Tv & Film", None),
        ("TV and Film", None),
        ("Business ", None),
        ("Business", "management"),
        ("Technology", "Podcasting"),
        ("Health & Fitness", "Science"),
    ],
)
def test_near_misses_are_invalid(category: str, subcategory: str | None) -> None:
    assert not is_valid(category, subcategory)
    with pytest.raises(ValueError):
        validate_category(category, subcategory)


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        ("Kids & family", "did you mean 'Kids & Family'"),
        ("Health & fitness", "did you mean 'Health & Fitness'"),
        ("religion & spirituality", "did you mean 'Religion & Spirituality'"),
        ("Tv & Film", "did you mean 'TV & Film'"),
        ("Buisness", "did you mean 'Business'"),
        ("Kids &amp; Family", "plain '&'"),
        ("Medicine", "subcategory of 'Health & Fitness'"),
    ],
)
def test_bad_category_messages_suggest_a_fix(category: str, expected: str) -> None:
    with pytest.raises(ValueError, match="not an Apple Podcasts category") as excinfo:
        validate_category(category, None)
    assert expected in str(excinfo.value)


@pytest.mark.parametrize(
    ("retired", "replacement"),
    [
        ("Games & Hobbies", "Leisure"),
        ("Science & Medicine", "Science"),
        ("News & Politics", "News"),
        ("Health", "Health & Fitness"),
        ("Government & Organizations", "Government"),
        ("Sports & Recreation", "Sports"),
    ],
)
def test_retired_categories_are_rejected_with_their_replacement(
    retired: str, replacement: str
) -> None:
    assert retired in RETIRED_CATEGORIES
    assert not is_valid(retired)
    with pytest.raises(ValueError, match="retired in Apple's 2019") as excinfo:
        validate_category(retired, None)
    assert f"'{replacement}'" in str(excinfo.value)
    assert replacement in APPLE_CATEGORIES


@pytest.mark.parametrize(
    ("category", "subcategory", "expected"),
    [
        ("Technology", "Tech News", "use ('News', 'Tech News')"),
        ("Science", "Medicine", "use ('Health & Fitness', 'Medicine')"),
        ("Business", "Management & Marketing", "('Business', 'Management')"),
        ("Education", "Language Courses", "('Education', 'Language Learning')"),
        ("Technology", "Gadgets", "retired"),
        ("Government", "Local", "retired"),
        ("True Crime", "Cold Cases", "has no subcategories"),
        ("Business", "Managment", "did you mean 'Management'"),
        ("Kids & Family", "Pets &amp; Animals", "did you mean 'Pets & Animals'"),
        ("Comedy", "Sketches", "valid: Comedy Interviews, Improv, Stand-Up"),
    ],
)
def test_bad_subcategory_messages(category: str, subcategory: str, expected: str) -> None:
    assert not is_valid(category, subcategory)
    with pytest.raises(ValueError, match="not an Apple subcategory") as excinfo:
        validate_category(category, subcategory)
    assert expected in str(excinfo.value)


def test_non_strings_are_rejected() -> None:
    with pytest.raises(ValueError, match="must be a string"):
        validate_category(None, None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="string or None"):
        validate_category("Business", 3)  # type: ignore[arg-type]
