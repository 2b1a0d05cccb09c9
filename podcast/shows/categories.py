"""Apple Podcasts categories (the 2019+ list) and validation of a show's category.

Apple matches ``<itunes:category text="…">`` exactly, and feedgen neither validates categories
nor knows the current list (its internal table is the pre-2019 one), so we keep our own.
Names use a plain ``&``; the XML writer escapes it to ``&amp;``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from types import MappingProxyType

__all__ = ["APPLE_CATEGORIES", "RETIRED_CATEGORIES", "is_valid", "validate_category"]

APPLE_CATEGORIES: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "Arts": frozenset(
            {"Books", "Design", "Fashion & Beauty", "Food", "Performing Arts", "Visual Arts"}
        ),
        "Business": frozenset(
            {"Careers", "Entrepreneurship", "Investing", "Management", "Marketing", "Non-Profit"}
        ),
        "Comedy": frozenset({"Comedy Interviews", "Improv", "Stand-Up"}),
        "Education": frozenset({"Courses", "How To", "Language Learning", "Self-Improvement"}),
        "Fiction": frozenset({"Comedy Fiction", "Drama", "Science Fiction"}),
        "Government": frozenset(),
        "History": frozenset(),
        "Health & Fitness": frozenset(
            {
                "Alternative Health",
                "Fitness",
                "Medicine",
                "Mental Health",
                "Nutrition",
                "Sexuality",
            }
        ),
        "Kids & Family": frozenset(
            {"Education for Kids", "Parenting", "Pets & Animals", "Stories for Kids"}
        ),
        "Leisure": frozenset(
            {
                "Animation & Manga",
                "Automotive",
                "Aviation",
                "Crafts",
                "Games",
                "Hobbies",
                "Home & Garden",
                "Video Games",
            }
        ),
        "Music": frozenset({"Music Commentary", "Music History", "Music Interviews"}),
        "News": frozenset(
            {
                "Business News",
                "Daily News",
                "Entertainment News",
                "News Commentary",
                "Politics",
                "Sports News",
                "Tech News",
            }
        ),
        "Religion & Spirituality": frozenset(
            {
                "Buddhism",
                "Christianity",
                "Hinduism",
                "Islam",
                "Judaism",
                "Religion",
                "Spirituality",
            }
        ),
        "Science": frozenset(
            {
                "Astronomy",
                "Chemistry",
                "Earth Sciences",
                "Life Sciences",
                "Mathematics",
                "Natural Sciences",
                "Nature",
                "Physics",
                "Social Sciences",
            }
        ),
        "Society & Culture": frozenset(
            {"Documentary", "Personal Journals", "Philosophy", "Places & Travel", "Relationships"}
        ),
        "Sports": frozenset(
            {
                "Baseball",
                "Basketball",
                "Cricket",
                "Fantasy Sports",
                "Football",
                "Golf",
                "Hockey",
                "Rugby",
                "Running",
                "Soccer",
                "Swimming",
                "Tennis",
                "Volleyball",
                "Wilderness",
                "Wrestling",
            }
        ),
        "Technology": frozenset(),
        "True Crime": frozenset(),
        "TV & Film": frozenset(
            {"After Shows", "Film History", "Film Interviews", "Film Reviews", "TV Reviews"}
        ),
    }
)

#: Pre-2019 top-level names (still in feedgen's table and old feeds) and what replaced them.
RETIRED_CATEGORIES: Mapping[str, str] = MappingProxyType(
    {
        "Games & Hobbies": "use 'Leisure', e.g. ('Leisure', 'Games') or ('Leisure', 'Hobbies')",
        "Science & Medicine": "use 'Science', or ('Health & Fitness', 'Medicine')",
        "News & Politics": "use 'News', e.g. ('News', 'Politics')",
        "Health": "use 'Health & Fitness'",
        "Government & Organizations": "use 'Government', or ('Business', 'Non-Profit')",
        "Sports & Recreation": "use 'Sports'",
    }
)

# Pre-2019 subcategories (feedgen's table) that no current top level has under that name.
_RETIRED_SUBCATEGORIES: Mapping[str, str] = MappingProxyType(
    {
        "Management & Marketing": "use ('Business', 'Management') or ('Business', 'Marketing')",
        "Fitness & Nutrition": (
            "use ('Health & Fitness', 'Fitness') or ('Health & Fitness', 'Nutrition')"
        ),
        "Self-Help": "use ('Education', 'Self-Improvement')",
        "Literature": "use ('Arts', 'Books')",
        "Language Courses": "use ('Education', 'Language Learning')",
        "Other Games": "use ('Leisure', 'Games')",
        "History": "use the top-level 'History'",
        **dict.fromkeys(
            [
                "Shopping",
                "Education",
                "Education Technology",
                "Higher Education",
                "K-12",
                "Training",
                "Local",
                "National",
                "Regional",
                "Other",
                "Amateur",
                "College & High School",
                "Outdoor",
                "Professional",
                "Gadgets",
                "Podcasting",
                "Software How-To",
            ],
            "it has no direct replacement",
        ),
    }
)

_SUB_TO_PARENT: Mapping[str, str] = MappingProxyType(
    {sub: cat for cat, subs in APPLE_CATEGORIES.items() for sub in subs}
)


def is_valid(category: str, subcategory: str | None = None) -> bool:
    """True if Apple accepts this category (and subcategory) exactly as written."""
    subs = APPLE_CATEGORIES.get(category)
    if subs is None:
        return False
    return subcategory is None or subcategory in subs


def validate_category(category: str, subcategory: str | None = None) -> None:
    """Raise ``ValueError`` with a fix-it hint unless Apple accepts the pair exactly."""
    if not isinstance(category, str):
        raise ValueError(f"Apple category must be a string, got {type(category).__name__}")
    if subcategory is not None and not isinstance(subcategory, str):
        raise ValueError(
            f"Apple subcategory must be a string or None, got {type(subcategory).__name__}"
        )
    if category not in APPLE_CATEGORIES:
        raise ValueError(_bad_category_message(category))
    if subcategory is not None and subcategory not in APPLE_CATEGORIES[category]:
        raise ValueError(_bad_subcategory_message(category, subcategory))


def _normalise(name: str) -> str:
    """Loose form for "did you mean": case, spacing and an escaped ``&amp;`` ignored."""
    return " ".join(name.replace("&amp;", "&").split()).casefold()


def _suggest(name: str, choices: Iterable[str]) -> list[str]:
    """Exact-but-for-case/spacing match first, else difflib's closest names."""
    options = sorted(choices)
    loose = [c for c in options if _normalise(c) == _normalise(name)]
    if loose:
        return loose
    by_loose = {_normalise(c): c for c in options}
    close = difflib.get_close_matches(_normalise(name), list(by_loose), n=3, cutoff=0.6)
    return [by_loose[c] for c in close]


def _did_you_mean(suggestions: list[str]) -> str:
    if not suggestions:
        return ""
    quoted = " or ".join(repr(s) for s in suggestions)
    return f"; did you mean {quoted}? (Apple matches the text exactly)"


def _amp_hint(name: str) -> str:
    if "&amp;" in name:
        return "; write a plain '&', the feed writer escapes it"
    return ""


def _bad_category_message(category: str) -> str:
    message = f"{category!r} is not an Apple Podcasts category"
    if category in RETIRED_CATEGORIES:
        return (
            f"{message}: it was retired in Apple's 2019 category update, "
            f"{RETIRED_CATEGORIES[category]}"
        )
    is_top = any(_normalise(c) == _normalise(category) for c in APPLE_CATEGORIES)
    as_sub = [s for s in _SUB_TO_PARENT if _normalise(s) == _normalise(category)]
    if as_sub and not is_top:
        sub = as_sub[0]
        parent = _SUB_TO_PARENT[sub]
        return f"{message}: {sub!r} is a subcategory of {parent!r}, use ({parent!r}, {sub!r})"
    return message + _amp_hint(category) + _did_you_mean(_suggest(category, APPLE_CATEGORIES))


def _bad_subcategory_message(category: str, subcategory: str) -> str:
    subs = APPLE_CATEGORIES[category]
    message = f"{subcategory!r} is not an Apple subcategory of {category!r}"
    if subcategory in _SUB_TO_PARENT:
        parent = _SUB_TO_PARENT[subcategory]
        return f"{message}: it belongs to {parent!r}, use ({parent!r}, {subcategory!r})"
    if subcategory in _RETIRED_SUBCATEGORIES:
        return (
            f"{message}: it was retired in Apple's 2019 category update, "
            f"{_RETIRED_SUBCATEGORIES[subcategory]}"
        )
    if not subs:
        return f"{message}: {category!r} has no subcategories, pass subcategory=None"
    suggestions = _suggest(subcategory, subs)
    hint = _did_you_mean(suggestions) or "; valid: " + ", ".join(sorted(subs))
    return message + _amp_hint(subcategory) + hint
