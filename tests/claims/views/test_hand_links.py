"""Link by hand from the article reader and decide in bulk on the claim page, through Django's test client."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from claims.models import Claim, Evidence, EvidenceDecisionChoice, EvidenceMethod, Stance
from claims.services import reviews as review_services
from sources.models import Article, Sentence, SentenceKind
from tests.claims.helpers import suggestions

pytestmark = pytest.mark.django_db

HAMAS = "Hamas refused to send a delegation"


def signed_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def hamas() -> Claim:
    return Claim.objects.get(text__contains=HAMAS)


def other_sentence(claim: Claim) -> Sentence:
    sentence = (
        Sentence.objects.filter(kind=SentenceKind.BODY)
        .exclude(article=claim.article)
        .order_by("article_id", "position")
    ).first()
    assert sentence is not None
    return sentence


def link_url(article: Article) -> str:
    return reverse("claims:evidence-link", args=[article.pk])


# --- link by hand -----------------------------------------------------------------------------


def test_the_link_form_quotes_the_selection_from_the_article_not_from_the_browser(
    client: Client, reviewer: User, seed_corpus: object
) -> None:
    claim = hamas()
    sentence = other_sentence(claim)
    start, end = sentence.start, sentence.start + 25
    signed_in(client, reviewer)

    partial = client.get(link_url(sentence.article), {"start": start, "end": end}, HTTP_HX_REQUEST="true")
    search: dict[str, str | int] = {"start": start, "end": end, "q": "delegation"}
    page = client.get(link_url(sentence.article), search)

    assert partial.status_code == 200
    html = partial.content.decode()
    assert "<html" not in html  # only the form, for htmx to put in the reader's aside
    assert sentence.article.body[start:end].strip() in html
    assert f'name="start" value="{start}"' in html
    body = page.content.decode()
    assert "<html" in body  # without JavaScript: the reader, with the form in its aside
    assert 'id="link-form"' in body
    assert f'value="{claim.pk}"' in body  # the search found the claim to pick


def test_an_empty_selection_gets_the_form_saying_so_or_the_reader_with_a_message(
    client: Client, reviewer: User, seed_corpus: object
) -> None:
    article = other_sentence(hamas()).article
    signed_in(client, reviewer)

    partial = client.get(link_url(article), {"start": 40, "end": 40}, HTTP_HX_REQUEST="true")
    plain = client.get(link_url(article), {"start": "x"}, follow=True)

    assert partial.status_code == 200
    assert "The selection holds no words of the article." in partial.content.decode()
    assert "<html" not in partial.content.decode()
    assert plain.redirect_chain == [(reverse("claims:article-detail", args=[article.pk]), 302)]
    assert "Select some words of the article first" in plain.content.decode()


SELECTION_MARK = re.compile(r'<mark class="link-selection">(.*?)</mark>', re.DOTALL)


def test_the_form_opened_by_its_address_marks_exactly_the_selected_text_in_the_reader(
    client: Client, reviewer: User, seed_corpus: object
) -> None:
    # "Hamas has refused to participate in these talks" and "demanding that Tel Aviv adhere ..." are
    # two claims' spans; the selection ends in the second, after the ", " between them.
    sentence = Sentence.objects.get(text__contains="Hamas has refused to participate in these talks")
    body = sentence.article.body
    start = body.index("participate", sentence.start)
    end = body.index("Tel Aviv", sentence.start) + len("Tel")
    signed_in(client, reviewer)

    html = client.get(link_url(sentence.article), {"start": start, "end": end}).content.decode()
    plain = client.get(reverse("claims:article-detail", args=[sentence.article_id])).content.decode()

    marks = SELECTION_MARK.findall(html)
    # One mark per piece it crosses: inside the first claim's link, the plain words, inside the second's.
    assert marks == ["participate in these talks", ", ", "demanding that Tel"]
    assert "".join(marks) == body[start:end]
    sentence_html = html[html.index(f'id="s{sentence.position}"') : html.index(f'id="s{sentence.position + 1}"')]
    assert SELECTION_MARK.findall(sentence_html) == marks
    assert re.search(r'<a class="claim[^>]*>Hamas has refused to <mark class="link-selection">', sentence_html)
    assert "link-selection" not in plain  # no form open, nothing marked


def test_a_reviewer_links_a_selection_and_returns_to_the_sentence_in_the_reader(
    client: Client, reviewer: User, seed_corpus: object
) -> None:
    claim = hamas()
    sentence = other_sentence(claim)
    signed_in(client, reviewer)

    response = client.post(
        link_url(sentence.article),
        {
            "start": sentence.start,
            "end": sentence.end,
            "claim": claim.pk,
            "stance": "contradicts",
            "note": "This report says talks went ahead.",
            # What the browser says was selected is ignored: only the offsets count.
            "quote": "something else entirely",
        },
    )

    assert response.status_code == 302
    assert (
        response["Location"] == reverse("claims:article-detail", args=[sentence.article_id]) + f"#s{sentence.position}"
    )
    link = Evidence.objects.get(claim=claim, sentence=sentence, method=EvidenceMethod.MANUAL)
    assert (link.stance, link.decision) == (Stance.CONTRADICTS, EvidenceDecisionChoice.CONFIRMED)
    assert link.details["selector"][0]["exact"] == sentence.text
    followed = client.get(response["Location"])
    assert f"Linked the passage to claim {claim.pk} as evidence: contradicts." in followed.content.decode()


def test_a_link_without_claim_or_rationale_shows_the_form_again_with_errors(
    client: Client, reviewer: User, seed_corpus: object
) -> None:
    sentence = other_sentence(hamas())
    signed_in(client, reviewer)
    count = Evidence.objects.count()

    response = client.post(
        link_url(sentence.article), {"start": sentence.start, "end": sentence.end, "stance": "supports", "note": ""}
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "Pick the claim this is evidence for." in html
    assert "A rationale is required" in html
    assert sentence.text[:40] in html  # the selection is still shown, read from the article
    assert Evidence.objects.count() == count


def test_viewers_cannot_link_evidence(client: Client, viewer: User, seed_corpus: object) -> None:
    claim = hamas()
    sentence = other_sentence(claim)
    signed_in(client, viewer)

    response = client.post(
        link_url(sentence.article),
        {"start": sentence.start, "end": sentence.end, "claim": claim.pk, "stance": "supports", "note": "Same."},
    )

    assert response.status_code == 403
    assert (
        not client.get(reverse("claims:article-detail", args=[sentence.article_id]))
        .content.decode()
        .count('id="link-bar"')
    )


# --- decide in bulk ---------------------------------------------------------------------------


def test_only_undecided_links_have_a_checkbox_never_the_claims_own_source(
    client: Client, reviewer: User, seed_corpus: object
) -> None:
    claim = hamas()
    links = suggestions(claim, 2)
    origin = Evidence.objects.get(claim=claim, method=EvidenceMethod.ORIGIN)
    signed_in(client, reviewer)

    html = client.get(reverse("claims:claim-detail", args=[claim.pk])).content.decode()

    ticked = set(map(int, re.findall(r'name="evidence" value="(\d+)" form="evidence-bulk"', html)))
    assert {e.pk for e in links} <= ticked
    assert origin.pk not in ticked
    assert f'action="{reverse("claims:evidence-bulk-decide", args=[claim.pk])}"' in html


def test_bulk_confirm_decides_every_ticked_link_and_opens_the_page_at_the_next_undecided_one(
    client: Client, reviewer: User, seed_corpus: object
) -> None:
    claim = hamas()
    first, second, third = suggestions(claim, 3)
    signed_in(client, reviewer)
    page = client.get(reverse("claims:claim-detail", args=[claim.pk])).content.decode()
    order = [int(pk) for pk in re.findall(r'name="evidence" value="(\d+)"', page)]
    decided, left = order[:2], order[2:]

    response = client.post(
        reverse("claims:evidence-bulk-decide", args=[claim.pk]),
        {"evidence": decided, "decision": "confirmed", "note": "Both report it.", "version": claim.version},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("claims:claim-detail", args=[claim.pk]) + f"#evidence-{left[0]}"
    assert [Evidence.objects.get(pk=pk).decision for pk in decided] == [EvidenceDecisionChoice.CONFIRMED] * 2
    assert Evidence.objects.get(pk=left[0]).decision == EvidenceDecisionChoice.PENDING
    assert {first.pk, second.pk, third.pk} <= set(order)


def test_a_stale_bulk_decision_is_refused_with_the_rationale_and_ticks_kept(
    client: Client, reviewer: User, second_reviewer: User, seed_corpus: object
) -> None:
    claim = hamas()
    first, second = suggestions(claim, 2)
    seen = Claim.objects.get(pk=claim.pk).version
    review_services.evidence_decide(evidence_id=first.pk, reviewer=second_reviewer, decision="rejected")
    signed_in(client, reviewer)

    response = client.post(
        reverse("claims:evidence-bulk-decide", args=[claim.pk]),
        {"evidence": [first.pk, second.pk], "decision": "confirmed", "note": "Both say so.", "version": seen},
    )

    assert response.status_code == 409
    html = response.content.decode()
    assert "Conflict: nothing was saved." in html
    assert f"by {second_reviewer.username}" in html
    assert ">Both say so.</textarea>" in html
    assert f'value="{Claim.objects.get(pk=claim.pk).version}"' in html  # sending again is a deliberate choice
    assert f'value="{second.pk}" form="evidence-bulk" checked' in html
    assert Evidence.objects.get(pk=second.pk).decision == EvidenceDecisionChoice.PENDING


def test_a_bulk_decision_from_the_queue_returns_to_the_queue_at_the_next_link(
    client: Client, reviewer: User, seed_corpus: object
) -> None:
    claim = hamas()
    suggestions(claim, 2)
    signed_in(client, reviewer)
    page = client.get(reverse("claims:claim-detail", args=[claim.pk])).content.decode()
    order = [int(pk) for pk in re.findall(r'name="evidence" value="(\d+)"', page)]
    queue = reverse("claims:queue") + "?status=unreviewed"

    response = client.post(
        reverse("claims:evidence-bulk-decide", args=[claim.pk]),
        {"evidence": order[:1], "decision": "rejected", "note": "Off topic.", "version": claim.version, "next": queue},
    )

    assert response["Location"] == f"{queue}#evidence-{order[1]}"


def test_deciding_one_link_opens_the_page_at_the_next_undecided_link_not_the_top(
    client: Client, reviewer: User, seed_corpus: object
) -> None:
    claim = hamas()
    suggestions(claim, 2)
    signed_in(client, reviewer)
    page = client.get(reverse("claims:claim-detail", args=[claim.pk])).content.decode()
    order = [int(pk) for pk in re.findall(r'name="evidence" value="(\d+)"', page)]

    response = client.post(reverse("claims:evidence-decide", args=[order[0]]), {"decision": "confirmed"})

    assert response["Location"] == reverse("claims:claim-detail", args=[claim.pk]) + f"#evidence-{order[1]}"
