"""python manage.py infer_metadata [--article ID ...] — read outlets and dates from stored articles' text.

Ingestion does this for every new article; this command brings articles stored before it (or
before a newer reading of datelines and dates) up to date. Given metadata is never changed.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sources.models import Article
from sources.services import article_infer_metadata


class Command(BaseCommand):
    help = "Infer missing outlets and publication dates from the text of stored articles (all unless --article)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--article", type=int, action="append", help="Article id; repeat for several")

    def handle(self, *args: Any, **options: Any) -> None:
        ids: list[int] | None = options["article"]
        articles = Article.objects.order_by("id")
        if ids:
            missing = set(ids) - set(Article.objects.filter(pk__in=ids).values_list("id", flat=True))
            if missing:
                raise CommandError(f"no article with id {', '.join(map(str, sorted(missing)))}")
            articles = articles.filter(pk__in=ids)
        changed = dated = 0
        # Only ids are held; each article is read and written in its own short transaction.
        for pk in articles.values_list("id", flat=True).iterator():
            article = Article.objects.only("id", "inferred").get(pk=pk)
            changed += article_infer_metadata(article=article)
            dated += article.inferred_metadata.published is not None
        self.stdout.write(f"{changed} article(s) updated; {dated} with a date read from the text.")
