"""Episodes as the API shows them."""

from __future__ import annotations

from datetime import datetime

from episodes.chapter_edits import chapter_image
from episodes.chapters import safe_url
from episodes.models import Episode
from episodes.schemas import AudioRead, ChapterRead, EpisodeRead, ImageRead
from episodes.urls import enclosure_url
from podcast.core.public_urls import PublicUrls


def episode_read(episode: Episode, base_url: str, now: datetime) -> EpisodeRead:
    audio = episode.audio
    urls = PublicUrls(base_url)
    artwork_url = urls.image(episode.artwork_key)
    return EpisodeRead(
        id=episode.id,
        guid=episode.guid,
        slug=episode.slug,
        title=episode.title,
        author=episode.author,
        summary=episode.summary,
        show_notes=episode.show_notes,
        show_notes_format=episode.show_notes_format,
        show_notes_html=episode.show_notes_html,
        status=episode.status_at(now),
        publish_at=episode.publish_at,
        season=episode.season,
        episode_number=episode.episode_number,
        episode_type=episode.episode_type,
        explicit=episode.explicit,
        people=episode.people,  # type: ignore[arg-type]
        keywords=episode.keywords,
        season_name=episode.season_name,
        episode_display=episode.episode_display,
        block=bool(episode.block),
        location=episode.location,  # type: ignore[arg-type]
        license=episode.license,  # type: ignore[arg-type]
        soundbites=episode.soundbites or [],  # type: ignore[arg-type]
        funding=episode.funding or [],  # type: ignore[arg-type]
        url=urls.episode_page(episode.slug),
        audio=None
        if audio is None
        else AudioRead(
            url=enclosure_url(urls, episode) or "",
            mime_type=audio.mime_type,
            size_bytes=audio.size_bytes,
            duration=audio.duration,
            codec=audio.codec,
            bitrate=audio.bitrate,
            sample_rate=audio.sample_rate,
            channels=audio.channels,
            sha256=audio.sha256,
            original_filename=audio.original_filename,
            uploaded_at=audio.uploaded_at,
        ),
        artwork=None
        if artwork_url is None
        else ImageRead(url=artwork_url, width=episode.artwork_width, height=episode.artwork_height),
        chapters=[
            ChapterRead(
                start=c.start_ms / 1000,
                end=None if c.end_ms is None else c.end_ms / 1000,
                title=c.title,
                url=safe_url(c.url),
                img=chapter_image(c, urls),
            )
            for c in episode.chapters
        ],
        suggested_publish_date=episode.suggested_publish_date,
        created_at=episode.created_at,
        updated_at=episode.updated_at,
    )
