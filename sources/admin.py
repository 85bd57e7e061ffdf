from django.contrib import admin

from sources.models import Article, Outlet, Story


@admin.register(Outlet)
class OutletAdmin(admin.ModelAdmin[Outlet]):
    list_display = ["name", "domain"]
    search_fields = ["name", "domain"]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin[Article]):
    list_display = ["id", "display_title", "outlet", "published_at", "ingested_at"]
    list_filter = ["outlet"]
    search_fields = ["title", "url"]
    # The body is the coordinate system of every offset; the database refuses edits to it.
    readonly_fields = ["body", "content_hash"]


@admin.register(Story)
class StoryAdmin(admin.ModelAdmin[Story]):
    list_display = ["name", "slug", "created_at"]
    prepopulated_fields = {"slug": ["name"]}
