"""Writes for outlets, articles, sentences and stories."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from sources.models import Article, Outlet, Sentence, Story, StoryArticle
from sources.text.inference import InferredMetadata, infer_metadata
from sources.text.prepare import PreparedArticle, prepare_document
from sources.text.reading import ArticleDocument


class IngestState(StrEnum):
    CREATED = "created"
    DUPLICATE = "duplicate"


@dataclass(frozen=True, slots=True)
class IngestOutcome:
    state: IngestState
    article: Article


def outlet_resolve(*, name: str, domain: str) -> Outlet | None:
    """The outlet called ``name``, else the one at ``domain``, created if new."""
    if not name and not domain:
        return None
    by_domain = Outlet.objects.filter(domain=domain).first() if domain else None
    if not name:
        if by_domain:
            return by_domain
        name = domain
    if by_domain and not Outlet.objects.filter(name=name).exists():
        # A domain belongs to one outlet (a unique constraint), whatever name a page gives it:
        # creating "Tehran Times" for a domain already stored as "tehrantimes.com" would fail.
        return by_domain
    outlet, _ = Outlet.objects.get_or_create(name=name, defaults={"domain": domain})
    if domain and not outlet.domain and not Outlet.objects.filter(domain=domain).exists():
        Outlet.objects.filter(pk=outlet.pk, domain="").update(domain=domain)
        outlet.domain = domain
    return outlet


def inferred_for(*, body: str, has_outlet: bool, has_published_at: bool) -> dict[str, Any]:
    """What the text says, as stored in ``Article.inferred``: an outlet or a date only where none was given.

    The dateline's place, the agencies the story credits and the days it names without a year are
    kept whatever was given: they are not metadata fields, so nothing given can be replaced.
    """
    meta = infer_metadata(body)
    kept = InferredMetadata(
        outlet=None if has_outlet else meta.outlet,
        place=meta.place,
        published=None if has_published_at else meta.published,
        credits=meta.credits,
        days_without_year=meta.days_without_year,
    )
    return kept.as_json()


def _article_create(prepared: PreparedArticle, source: str) -> Article:
    article = Article.objects.create(
        outlet=outlet_resolve(name=prepared.outlet, domain=prepared.domain),
        title=prepared.title,
        url=prepared.url,
        published_at=prepared.published_at,
        language=prepared.language,
        body=prepared.body,
        content_hash=prepared.content_hash,
        source_name=source[:500],
        inferred=inferred_for(
            body=prepared.body, has_outlet=bool(prepared.outlet), has_published_at=prepared.published_at is not None
        ),
    )
    Sentence.objects.bulk_create(
        Sentence(
            article=article,
            position=position,
            paragraph=seg.paragraph,
            start=seg.start,
            end=seg.end,
            text=seg.text,
            kind=seg.kind.value,
        )
        for position, seg in enumerate(prepared.segments)
    )
    return article


@transaction.atomic
def story_add_article(*, story: Story, article: Article) -> None:
    StoryArticle.objects.get_or_create(story=story, article=article)


@transaction.atomic
def article_ingest(*, document: ArticleDocument, story: Story | None = None) -> IngestOutcome:
    """Store a document as an article with its sentences, unless the same text is stored already.

    Raises ``InvalidDocument`` (with a reason a person can act on) for unusable input.
    """
    prepared = prepare_document(document, max_chars=settings.MAX_ARTICLE_BYTES)
    existing = Article.objects.filter(content_hash=prepared.content_hash).first()
    outcome: IngestOutcome
    if existing is not None:
        outcome = IngestOutcome(IngestState.DUPLICATE, existing)
    else:
        try:
            with transaction.atomic():
                outcome = IngestOutcome(IngestState.CREATED, _article_create(prepared, document.source))
        except IntegrityError:
            # Another worker stored the same text between our check and insert; any other
            # violation is a real error and must surface as itself, not as a missing article.
            raced = Article.objects.filter(content_hash=prepared.content_hash).first()
            if raced is None:
                raise
            outcome = IngestOutcome(IngestState.DUPLICATE, raced)
    if story is not None:
        story_add_article(story=story, article=outcome.article)
    return outcome


@transaction.atomic
def article_infer_metadata(*, article: Article) -> bool:
    """Read again what an already stored article's text gives; True when that changed what is stored.

    Only ``inferred`` is written: the outlet and publication time a user gave are never touched,
    and an inferred value is dropped once the field it stood in for has been given.
    """
    locked = Article.objects.select_for_update().get(pk=article.pk)
    inferred = inferred_for(
        body=locked.body, has_outlet=locked.outlet_id is not None, has_published_at=locked.published_at is not None
    )
    if inferred == locked.inferred:
        return False
    Article.objects.filter(pk=locked.pk).update(inferred=inferred)
    article.inferred = inferred
    return True


@transaction.atomic
def story_create(*, name: str, slug: str, description: str = "") -> Story:
    story, _ = Story.objects.get_or_create(slug=slug, defaults={"name": name, "description": description})
    return story
