"""The review desk's state in the committed captures: `python manage.py shell < docs/screenshots/stage.py`.

Run once on a fresh `manage.py demo` database. Claim 18 (a death toll, the demo's longest evidence
list) gets a checklist, an assignment, a verdict of the rating scale and two comments, one naming the
reviewer; claim 59 an earlier verdict, so the queue list has decided claims too. Everything goes
through the services, as the screens' forms do.
"""

from django.contrib.auth.models import User

from claims.models import ChecklistItem
from claims.services import desk, reviews

admin = User.objects.get(username="admin")
reviewer = User.objects.get(username="reviewer")
steps = [
    ("Find the primary source", "The ministry, agency or person the figure comes from, not a report of it."),
    ("Check the figure against a second source", ""),
    ("Read the claimant's full statement", ""),
]
items = [
    ChecklistItem.objects.get_or_create(label=label, defaults={"help_text": help_text, "position": n})[0]
    for n, (label, help_text) in enumerate(steps)
]

desk.claim_assign(claim_id=18, assignee=reviewer, by=admin)
desk.comment_add(
    claim_id=18,
    author=admin,
    body="@reviewer which count does each outlet give, and whose count is it? The figure links differ.",
)
desk.check_set(claim_id=18, item_id=items[0].pk, checked=True, user=reviewer)
desk.comment_add(
    claim_id=18, author=reviewer, body="On it: the origin credits no source; checking the ministry's daily figures."
)
reviews.review_record(
    claim_id=18,
    reviewer=reviewer,
    rating="mostly-true",
    rationale="Demo verdict for the screenshots: other outlets report counts of the same order.",
)
reviews.review_record(
    claim_id=59, reviewer=admin, rating="unproven", rationale="Demo verdict for the screenshots: no source named yet."
)
