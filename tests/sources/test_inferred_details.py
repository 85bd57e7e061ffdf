"""The article page's "From the text" line (templates/sources/_inferred_details.html)."""

from __future__ import annotations

from types import SimpleNamespace

from django.template.loader import render_to_string

from sources.text.inference import InferredMetadata, Span, infer_metadata

BODY = "Talks resumed on May 31 in Doha. Since October 7 the toll has risen; on October 7 itself, hundreds died."


def _render(meta: InferredMetadata) -> str:
    return render_to_string("sources/_inferred_details.html", {"article": SimpleNamespace(inferred_metadata=meta)})


def test_a_day_named_several_times_without_a_year_is_listed_once() -> None:
    meta = infer_metadata(BODY)
    assert [s.text for s in meta.days_without_year] == ["May 31", "October 7", "October 7"]

    html = _render(meta)

    assert html.count("“October 7”") == 1
    assert "Names “May 31”, “October 7” without a year" in html


def test_nothing_is_said_when_the_text_says_nothing_about_the_article() -> None:
    assert _render(InferredMetadata()).strip() == ""
    assert "“June 1”" in _render(InferredMetadata(days_without_year=[Span(0, 6, "June 1")]))
