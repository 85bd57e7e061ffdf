"""Forms of the review desk: assigning a claim, commenting on it, ticking a checklist step."""

from __future__ import annotations

from django import forms
from django.contrib.auth.models import User

from claims.selectors import desk as desk_selectors
from claims.services.desk import COMMENT_MAX_CHARS


class ReviewerChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: User) -> str:
        return obj.get_username()


class AssignForm(forms.Form):
    assignee = ReviewerChoiceField(
        queryset=User.objects.none(), required=False, empty_label="Nobody", label="Assign to"
    )
    # The assignee the reviewer saw (empty: nobody): a change meanwhile is a conflict, not an overwrite.
    current = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["assignee"].queryset = desk_selectors.reviewers()  # type: ignore[attr-defined]


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Comment",
        max_length=COMMENT_MAX_CHARS,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Plain text. Write @username to point a colleague at this claim.",
    )


class CheckForm(forms.Form):
    item = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    checked = forms.TypedChoiceField(
        choices=[("1", "ticked"), ("0", "unticked")], coerce=lambda v: v == "1", widget=forms.HiddenInput
    )
