"""Link by hand, decide in bulk, in real headless Chromium at a laptop's 1366 px and a phone's 390 px.

A reviewer selects words of another article with the mouse, opens the link form with the l key,
picks the claim by searching its words and links the passage; on the claim page they tick several
suggestions, confirm them with one rationale, and the page opens at the next undecided link with
the focus on it. Set UI_SHOTS_DIR to keep the screenshots.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page, ViewportSize, expect

from claims.models import Claim, Evidence, EvidenceDecisionChoice, EvidenceMethod, Job, Stance
from sources.models import Sentence
from tests.claims.helpers import suggestions
from tests.ui.conftest import ConsoleErrors
from tests.ui.helpers import HAMAS, log_in

pytestmark = [pytest.mark.browser]

PHONE = ViewportSize(width=390, height=844)
LAPTOP = ViewportSize(width=1366, height=900)
# Another seed article (Press TV) reports the same refusal in its own words.
OTHER_REPORT = "Hamas has refused to participate in these talks"


def tab_of_size(browser: Browser, console_errors: ConsoleErrors, size: ViewportSize) -> Iterator[Page]:
    ctx = browser.new_context(viewport=size)
    ctx.set_default_timeout(10_000)
    tab = ctx.new_page()
    tab.on("console", console_errors.record)
    yield tab
    ctx.close()


@pytest.fixture
def phone(browser: Browser, console_errors: ConsoleErrors) -> Iterator[Page]:
    yield from tab_of_size(browser, console_errors, PHONE)


@pytest.fixture
def laptop(browser: Browser, console_errors: ConsoleErrors) -> Iterator[Page]:
    yield from tab_of_size(browser, console_errors, LAPTOP)


@pytest.fixture(params=[LAPTOP, PHONE], ids=["1366px", "390px"])
def either_width(request: pytest.FixtureRequest, browser: Browser, console_errors: ConsoleErrors) -> Iterator[Page]:
    yield from tab_of_size(browser, console_errors, request.param)


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    out = Path(os.environ.get("UI_SHOTS_DIR") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    return out


def other_report() -> Sentence:
    return Sentence.objects.select_related("article").get(text__contains=OTHER_REPORT)


def drag_over_first_line(page: Page, selector: str) -> str:
    """Select most of the first line of an element's text with the mouse; returns what the browser selected."""
    page.locator(selector).scroll_into_view_if_needed()
    rect = page.locator(selector).evaluate(
        "e => { const r = e.getClientRects()[0]; return {left: r.left, right: r.right, top: r.top, height: r.height}; }"
    )
    y = rect["top"] + rect["height"] / 2
    page.mouse.move(rect["left"] + 1, y)
    page.mouse.down()
    # Stop well inside the line: dragging past its last word would take the rest of the paragraph.
    page.mouse.move(rect["left"] + (rect["right"] - rect["left"]) * 0.6, y, steps=8)
    page.mouse.up()
    return str(page.evaluate("() => window.getSelection().toString()"))


def words(text: str) -> str:
    return " ".join(text.split())


def test_a_reviewer_selects_words_of_another_article_and_links_them_to_the_claim(
    live_server, laptop: Page, console_errors: ConsoleErrors, reviewer: User, seed_corpus: Job, shots: Path
) -> None:
    page = laptop
    claim = Claim.objects.get(text__contains=HAMAS)
    sentence = other_report()
    log_in(page, live_server.url, reviewer.username)
    page.goto(f"{live_server.url}/articles/{sentence.article_id}/")

    selected = drag_over_first_line(page, f"#s{sentence.position}")
    assert len(selected.strip()) > 10, selected
    bar = page.locator("#link-bar")
    expect(bar).to_be_visible()
    expect(bar.locator("q")).to_have_text(words(selected))
    page.keyboard.press("l")

    form = page.locator("#link-form-card")
    expect(form.get_by_role("heading", name="Link as evidence")).to_be_focused()
    expect(bar).to_be_hidden()
    expect(form.locator(".link-form__quote")).to_contain_text(words(selected))
    # The reader marks what will be linked, as when the form is opened by its address.
    marks = page.locator(f"#s{sentence.position} mark.link-selection")
    assert words("".join(marks.all_text_contents())) == words(selected)
    page.get_by_label("Find a claim by its words or number").fill("refused to send a delegation")
    pick = form.locator("#link-claim-results").get_by_label(re.compile(HAMAS))
    expect(pick).to_be_visible()
    pick.check()
    form.get_by_label("Supports").check()
    form.get_by_label("3. Rationale").fill("Press TV reports the same refusal in its own words.")
    page.screenshot(path=str(shots / "hand-link-1366.png"), full_page=False)
    form.get_by_role("button", name="Link evidence").click()

    expect(page.get_by_role("status")).to_have_text(f"Linked the passage to claim {claim.pk} as evidence: supports.")
    expect(page).to_have_url(re.compile(rf"/articles/{sentence.article_id}/#s{sentence.position}$"))
    link = Evidence.objects.get(claim=claim, sentence=sentence, method=EvidenceMethod.MANUAL)
    body = sentence.article.body
    # The link holds what the reviewer selected, read back from the article by its offsets.
    assert words(body[link.start : link.end]) == words(selected)
    assert (link.decision, link.stance) == (EvidenceDecisionChoice.CONFIRMED, Stance.SUPPORTS)
    assert link.details["selector"][1] == {"type": "TextPositionSelector", "start": link.start, "end": link.end}

    page.goto(f"{live_server.url}/claims/{claim.pk}/#evidence-{link.pk}")
    item = page.locator(f"#evidence-{link.pk}")
    expect(item).to_contain_text("Added by a reviewer")
    expect(item).to_contain_text("Confirmed")
    expect(item.locator("mark")).to_have_text(body[link.start : link.end])
    assert console_errors == []


def test_the_link_form_opened_by_its_address_highlights_the_selection_in_the_reader(
    live_server, either_width: Page, console_errors: ConsoleErrors, reviewer: User, seed_corpus: Job, shots: Path
) -> None:
    page = either_width
    sentence = other_report()
    body = sentence.article.body
    # From inside one claim's span, across the words between, into the next claim's span.
    start = body.index("participate", sentence.start)
    end = body.index("Tel Aviv", sentence.start) + len("Tel")
    log_in(page, live_server.url, reviewer.username)

    page.goto(f"{live_server.url}/articles/{sentence.article_id}/link/?start={start}&end={end}")

    marks = page.locator(f"#s{sentence.position} mark.link-selection")
    expect(marks).to_have_count(3)
    assert "".join(marks.all_text_contents()) == body[start:end]
    for n in range(3):  # the page opens at the marked words, without being scrolled there
        expect(marks.nth(n)).to_be_in_viewport()
        # Painted: the highlight's own background, not the claim's or the page's.
        assert marks.nth(n).evaluate("m => getComputedStyle(m).backgroundColor") == "rgb(199, 216, 251)"
    expect(page.locator(".link-form__quote")).to_have_text(f"Sentence {sentence.position + 1}: {body[start:end]}")
    width = page.viewport_size["width"] if page.viewport_size else 0
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(shots / f"hand-link-by-address-{width}.png"), full_page=False)
    assert console_errors == []


def ensure_suggestions(claim: Claim, count: int) -> None:
    """At least ``count`` undecided suggestions on the claim (the seed's, topped up as a matcher would)."""
    have = (
        Evidence.objects.filter(claim=claim, decision=EvidenceDecisionChoice.PENDING, withdrawn_at__isnull=True)
        .exclude(method=EvidenceMethod.ORIGIN)
        .count()
    )
    if have < count:
        suggestions(claim, count - have)


def test_a_reviewer_confirms_two_suggestions_at_once_and_the_focus_lands_on_the_next(
    live_server, laptop: Page, console_errors: ConsoleErrors, reviewer: User, seed_corpus: Job, shots: Path
) -> None:
    page = laptop
    claim = Claim.objects.get(text__contains=HAMAS)
    ensure_suggestions(claim, 3)
    origin = Evidence.objects.get(claim=claim, method=EvidenceMethod.ORIGIN)
    log_in(page, live_server.url, reviewer.username)
    page.goto(f"{live_server.url}/claims/{claim.pk}/")

    boxes = page.locator("input[form='evidence-bulk'][name='evidence']")
    expect(page.locator(f"#evidence-{origin.pk} input[type=checkbox]")).to_have_count(0)
    ids = [int(str(v)) for v in boxes.evaluate_all("all => all.map(b => b.value)")]
    assert len(ids) >= 3
    bulk = page.locator("#evidence-bulk")
    expect(bulk.get_by_role("button", name="Confirm selected")).to_be_disabled()
    boxes.nth(0).check()
    # The keyboard way: e moves to a link, t ticks it.
    page.locator(f"#evidence-{ids[1]}").focus()
    page.keyboard.press("t")
    expect(boxes.nth(1)).to_be_checked()
    expect(bulk.locator("[data-bulk-count]")).to_have_text("2 selected")
    bulk.get_by_label("Why, for every selected link").fill("Both report the refusal in their own words.")
    bulk.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "bulk-decide-1366.png"), full_page=False)
    bulk.get_by_role("button", name="Confirm selected").click()

    expect(page.get_by_role("status")).to_have_text("Confirmed 2 evidence links.")
    expect(page).to_have_url(re.compile(rf"/claims/{claim.pk}/#evidence-{ids[2]}$"))
    # No jump to the top: the next undecided link has the focus, so y decides it straight away.
    expect(page.locator(f"#evidence-{ids[2]}")).to_be_focused()
    decided = Evidence.objects.filter(pk__in=ids[:2])
    assert set(decided.values_list("decision", flat=True)) == {EvidenceDecisionChoice.CONFIRMED}
    assert {d.note for e in decided for d in e.decisions.all()} == {"Both report the refusal in their own words."}
    page.keyboard.press("y")
    expect(page.get_by_role("status")).to_have_text("Confirmed the evidence.")
    assert Evidence.objects.get(pk=ids[2]).decision == EvidenceDecisionChoice.CONFIRMED
    assert console_errors == []


def test_at_390_px_the_link_bar_and_form_and_the_bulk_form_fit_the_phone(
    live_server, phone: Page, console_errors: ConsoleErrors, reviewer: User, seed_corpus: Job, shots: Path
) -> None:
    page = phone
    claim = Claim.objects.get(text__contains=HAMAS)
    ensure_suggestions(claim, 2)
    sentence = other_report()
    log_in(page, live_server.url, reviewer.username)
    page.goto(f"{live_server.url}/articles/{sentence.article_id}/")

    selected = drag_over_first_line(page, f"#s{sentence.position}")
    bar = page.locator("#link-bar")
    expect(bar).to_be_visible()
    box = bar.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"]
    page.screenshot(path=str(shots / "hand-link-bar-390.png"), full_page=False)
    bar.get_by_role("button", name="Link as evidence").click()
    heading = page.get_by_role("heading", name="Link as evidence")
    expect(heading).to_be_focused()
    expect(heading).to_be_in_viewport()
    expect(page.locator(".link-form__quote")).to_have_count(1)
    expect(page.locator(".link-form__quote")).to_contain_text(words(selected))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(shots / "hand-link-form-390.png"), full_page=False)
    marks = page.locator(f"#s{sentence.position} mark.link-selection")
    assert words("".join(marks.all_text_contents())) == words(selected)
    page.locator("#link-panel").get_by_role("link", name="Cancel").click()
    expect(marks).to_have_count(0)  # nothing will be linked: nothing stays marked
    expect(page.locator(f"#s{sentence.position}")).to_contain_text(words(selected))

    page.goto(f"{live_server.url}/claims/{claim.pk}/#evidence-heading")
    page.locator("input[form='evidence-bulk'][name='evidence']").first.check()
    page.locator("#evidence-bulk").scroll_into_view_if_needed()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(shots / "bulk-decide-390.png"), full_page=False)
    assert console_errors == []
