"""Forms of the reviewer web interface: they validate input; services do the writes."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.utils.text import slugify

from claims.backends import client_address
from claims.models import ClaimStatus, EvidenceDecisionChoice, Rating, Stance, Verdict
from claims.selectors import desk as desk_selectors
from claims.selectors import search as search_selectors
from claims.services.logins import lockout_message, login_lockout_remaining
from sources.models import Outlet, Story
from sources.text.reading import (
    SUPPORTED_SUFFIXES,
    ArticleDocument,
    InvalidDocument,
    ReadError,
    check_storable,
    document_from_mapping,
    read_paths,
)

PASTED_SOURCE = "pasted text"


class LockoutAuthenticationForm(AuthenticationForm):
    """The login form; once a username or address is locked out it says so (and for how long)
    instead of "wrong password". ``retry_after`` holds the seconds left, 0 when not locked."""

    retry_after = 0

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except forms.ValidationError:
            # The backend refused or counted this attempt; this one may be the one that locked.
            username = str(self.cleaned_data.get("username") or "")
            self.retry_after = login_lockout_remaining(username=username, address=client_address(self.request))
            if self.retry_after:
                raise forms.ValidationError(lockout_message(self.retry_after), code="locked_out") from None
            raise


class LockoutAdminAuthenticationForm(LockoutAuthenticationForm, AdminAuthenticationForm):
    """The admin's login form (staff only), locked out the same way."""


class RatingRadioSelect(forms.RadioSelect):
    """Each rating's radio carries its summary, so the c and x keys (static/js/keys.js) can pick the
    first corroborating or contesting rating of the scale."""

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        rating = getattr(option["value"], "instance", None)
        if isinstance(rating, Rating):
            option["attrs"]["data-summary"] = rating.summary
        return option


class RatingChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """Reviewers see a rating's label alone; its summary shows in the radio's colour once picked."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.label)


# The keys that pick the first rating of each summary (static/js/keys.js).
SUMMARY_KEYS = {Verdict.CORROBORATED: "c", Verdict.CONTESTED: "x"}


class VerdictForm(forms.Form):
    """A verdict is a rating of the newsroom's scale; a bare verdict (corroborated or contested, no rating)
    is still accepted, as posted before the scale existed."""

    rating = RatingChoiceField(
        queryset=Rating.objects.filter(active=True),
        to_field_name="slug",
        widget=RatingRadioSelect,
        empty_label=None,
        required=False,
        error_messages={"invalid_choice": "That rating is not on the scale (any more); pick one of these."},
    )
    verdict = forms.ChoiceField(
        choices=[(Verdict.CORROBORATED, Verdict.CORROBORATED.label), (Verdict.CONTESTED, Verdict.CONTESTED.label)],
        widget=forms.RadioSelect,
        required=False,
    )
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Say why: which reports agree or disagree, and what you checked.",
        error_messages={"required": "A rationale is required: say why."},
    )
    # The claim version the reviewer saw; a verdict on an older version is refused (StaleVersion).
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("rating") and not data.get("verdict") and "rating" not in self.errors:
            self.add_error("rating", "Choose a rating.")
        return data

    def rating_choices(self) -> list[tuple[Any, str, str]]:
        """Each rating's radio with its summary and its key (c, x or none): the first rating of each summary
        has one."""
        keyed: set[str] = set()
        out = []
        for radio in self["rating"]:
            summary = radio.data["attrs"].get("data-summary", "")
            key = SUMMARY_KEYS.get(summary, "") if summary not in keyed else ""
            keyed.add(summary)
            out.append((radio, summary, key))
        return out


class ClaimEditForm(forms.Form):
    text = forms.CharField(
        label="Wording",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="One checkable statement that stands without its sentence. Spans and history are kept.",
        error_messages={"required": "A claim needs wording."},
    )
    note = forms.CharField(label="Why (optional)", required=False, max_length=500)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ClaimSplitForm(forms.Form):
    texts = forms.CharField(
        label="One claim per line",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Each line becomes a claim with this claim's spans; this claim is then hidden.",
        error_messages={"required": "Give at least two claims to split into."},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def clean_texts(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["texts"].splitlines()]
        lines = [line for line in lines if line]
        if len(lines) < 2:
            raise forms.ValidationError("Give at least two claims to split into, one per line.")
        return lines


class ClaimDeleteForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=500,
        help_text="Say why it should go: not checkable, a duplicate, an extraction error…",
        error_messages={"required": "Say why the claim should go."},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ClaimAddForm(forms.Form):
    sentence = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    text = forms.CharField(
        label="Claim wording",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=2000,
        help_text="Write the checkable statement so that it stands on its own.",
        error_messages={"required": "A claim needs wording."},
    )


def _assignee_choices() -> list[tuple[str, str]]:
    return [
        ("", "Anyone"),
        ("me", "Assigned to me"),
        ("none", "Unassigned"),
        *((str(u.pk), u.get_username()) for u in desk_selectors.reviewers()),
    ]


class QueueFilterForm(forms.Form):
    """The review queue's filters. A form, where the article and group lists filter through claims.filters:
    the queue filters no queryset in its view (lease_services.queue_next picks the claim from QueueFilters,
    leases and the after/before cursor included), and its "status" offers choices no API filter has."""

    story = forms.ModelChoiceField(
        queryset=Story.objects.order_by("name"), to_field_name="slug", required=False, empty_label="All stories"
    )
    outlet = forms.ModelChoiceField(queryset=Outlet.objects.order_by("name"), required=False, empty_label="All outlets")
    status = forms.ChoiceField(
        choices=[*ClaimStatus.choices, ("figures", "Unreviewed, conflicting figures"), ("any", "Any status")],
        required=False,
        initial=ClaimStatus.UNREVIEWED,
    )
    assignee = forms.ChoiceField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # "me" and "none", then each reviewer by id (claims.views.queue turns the value into QueueFilters); read
        # once per form, where callable choices would be read again each time the field is checked or drawn.
        assignee = self.fields["assignee"]
        assert isinstance(assignee, forms.ChoiceField)
        assignee.choices = _assignee_choices()


class SearchForm(forms.Form):
    """The search box and its filters; story, outlet and days narrow claims and sentences, status and verdict claims."""

    q = forms.CharField(label="Search claims and sentences", max_length=200, strip=True)
    story = forms.ModelChoiceField(
        queryset=Story.objects.order_by("name"), to_field_name="slug", required=False, empty_label="All stories"
    )
    outlet = forms.ModelChoiceField(queryset=Outlet.objects.order_by("name"), required=False, empty_label="All outlets")
    published_from = forms.DateField(label="Published from", required=False, widget=forms.DateInput({"type": "date"}))
    published_to = forms.DateField(label="to", required=False, widget=forms.DateInput({"type": "date"}))
    status = forms.ChoiceField(choices=[("", "Any status"), *ClaimStatus.choices], required=False)
    verdict = forms.ChoiceField(
        label="Verdict",
        choices=[("", "With or without a verdict"), ("with", "With a verdict"), ("without", "Without a verdict")],
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("published_from"), cleaned.get("published_to")
        if start and end and end < start:
            self.add_error("published_to", "The last day comes before the first.")
        return cleaned

    def filters(self) -> search_selectors.SearchFilters:
        """The valid form's filters, for the search selectors."""
        data = self.cleaned_data
        return search_selectors.SearchFilters(
            story=data.get("story"),
            outlet=data.get("outlet"),
            published_from=data.get("published_from"),
            published_to=data.get("published_to"),
            status=data.get("status") or "",
            verdict=data.get("verdict") or "",
        )


class EvidenceDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            (EvidenceDecisionChoice.CONFIRMED, "Confirm"),
            (EvidenceDecisionChoice.REJECTED, "Reject"),
        ]
    )
    note = forms.CharField(required=False, max_length=2000)


class EvidenceLinkForm(forms.Form):
    """Evidence linked by hand from a reader selection: its offsets (never its text), the claim, stance and why."""

    start = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    end = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    # Picked from radio buttons the template lists (search results, the story's claims).
    claim = forms.IntegerField(min_value=1, error_messages={"required": "Pick the claim this is evidence for."})
    stance = forms.ChoiceField(choices=Stance.choices, widget=forms.RadioSelect, initial=Stance.SUPPORTS)
    note = forms.CharField(
        label="Rationale",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="Why this passage supports or contradicts the claim.",
        error_messages={"required": "A rationale is required: say why this bears on the claim."},
    )

    def clean(self) -> dict[str, Any] | None:
        data = super().clean()
        if data and data.get("start") is not None and data.get("end") is not None and data["end"] <= data["start"]:
            raise forms.ValidationError("The selection is empty: select some words of the article.")
        return data


class EvidenceLinkSearchForm(forms.Form):
    q = forms.CharField(label="Find the claim", max_length=200, required=False, strip=True)


class EvidenceIdsField(forms.TypedMultipleChoiceField):
    """Ticked evidence ids: any whole numbers (the service refuses those that are not the claim's)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(coerce=int, **kwargs)

    def valid_value(self, value: Any) -> bool:
        return str(value).isdigit()


class EvidenceBulkForm(forms.Form):
    evidence = EvidenceIdsField(error_messages={"required": "Select at least one link to decide."})
    decision = forms.ChoiceField(
        choices=[(EvidenceDecisionChoice.CONFIRMED, "Confirm"), (EvidenceDecisionChoice.REJECTED, "Reject")]
    )
    note = forms.CharField(
        label="Why, for every selected link",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        error_messages={"required": "A rationale is required: say why."},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; cleans to a list (empty when none were chosen)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ",".join(sorted(SUPPORTED_SUFFIXES))}))
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = data if isinstance(data, list | tuple) else [data]
        cleaned, problems = [], []
        for upload in filter(None, files):
            try:
                cleaned.append(super().clean(upload, initial))
            except forms.ValidationError as exc:
                # Django's messages ("The submitted file is empty.") do not say which file.
                problems += [f"{upload_name(upload)}: {message}" for message in exc.messages]
        if problems:
            raise forms.ValidationError(problems)
        return cleaned


def _read_uploads(files: list[UploadedFile], max_bytes: int) -> list[ArticleDocument | ReadError]:
    """Parse uploaded files with the same reader the ``ingest`` command uses, naming each by its upload name."""
    with tempfile.TemporaryDirectory(prefix="upload-") as tmp:
        paths = []
        for index, upload in enumerate(files):
            # One folder per file: two uploads may share a name, and no sidecar or manifest applies.
            folder = Path(tmp) / str(index)
            folder.mkdir()
            path = folder / upload_name(upload)
            with path.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            paths.append(path)
        documents = list(read_paths(paths, max_bytes=max_bytes))
    prefixes = [f"{Path(tmp) / str(i)}/" for i in range(len(files))]

    def renamed(source: str) -> str:
        return next((source.removeprefix(p) for p in prefixes if source.startswith(p)), source)

    return [replace(doc, source=renamed(doc.source)) for doc in documents]


MAX_UPLOAD_NAME_CHARS = 120  # well under the 255 bytes a file name may have on disk


def upload_name(upload: UploadedFile) -> str:
    """The upload's name as a safe file name: no folders, control characters or lone surrogates, not too long."""
    name = "".join(c for c in Path(upload.name or "").name if c.isprintable() and not "\ud800" <= c <= "\udfff")
    stem, suffix = Path(name).stem, Path(name).suffix[:10]
    name = stem[: MAX_UPLOAD_NAME_CHARS - len(suffix)] + suffix
    return name if name and not name.startswith(".") else f"upload{suffix}"


def storable(value: str) -> None:
    """Refuse what PostgreSQL cannot store (Django's fields already refuse NUL, not lone surrogates)."""
    try:
        check_storable("the text", value)
    except InvalidDocument as exc:
        raise forms.ValidationError(str(exc).replace("the text contains", "Contains", 1)) from None


class UploadForm(forms.Form):
    uploads = MultipleFileField(
        required=False,
        label="Files",
        help_text="One or more .txt, .md, .html, .json or .jsonl files.",
    )
    text = forms.CharField(
        required=False,
        label="Or paste an article",
        widget=forms.Textarea(attrs={"rows": 10}),
        strip=True,
        validators=[storable],
    )
    title = forms.CharField(required=False, max_length=500, validators=[storable])
    outlet = forms.CharField(required=False, max_length=200, validators=[storable])
    url = forms.URLField(
        required=False,
        max_length=2000,
        label="URL",
        assume_scheme="https",
        validators=[URLValidator(schemes=["http", "https"], message="Enter an http:// or https:// address.")],
    )
    published_at = forms.DateTimeField(
        required=False,
        label="Published (UTC)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    story = forms.CharField(
        required=False,
        max_length=200,
        help_text="Add the articles to this story; a new name starts a new story.",
        widget=forms.TextInput(attrs={"list": "story-names"}),
        validators=[storable],
    )

    def clean_uploads(self) -> list[UploadedFile]:
        files: list[UploadedFile] = self.cleaned_data["uploads"]
        limit = settings.MAX_ARTICLE_BYTES
        problems = []
        for upload in files:
            name = upload_name(upload)
            suffix = Path(name).suffix.lower()
            if suffix not in SUPPORTED_SUFFIXES:
                problems.append(
                    f"{name}: unsupported file type {suffix or '(none)'}; use .txt, .md, .html or .json(l)."
                )
            elif upload.size is not None and upload.size > limit:
                problems.append(f"{name} is {upload.size:,} bytes, over the {limit:,}-byte limit for one article.")
        if problems:
            raise forms.ValidationError(problems)
        return files

    def clean_text(self) -> str:
        text: str = self.cleaned_data["text"]
        size = len(text.encode("utf-8"))
        if size > settings.MAX_ARTICLE_BYTES:
            raise forms.ValidationError(
                f"The pasted text is {size:,} bytes, over the {settings.MAX_ARTICLE_BYTES:,}-byte limit."
            )
        return text

    def clean_story(self) -> str:
        story: str = self.cleaned_data["story"].strip()
        if story and not slugify(story):
            raise forms.ValidationError("A story name needs at least one letter or digit.")
        return story

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        files: list[UploadedFile] = cleaned.get("uploads") or []
        text: str = cleaned.get("text") or ""
        if not files and not text:
            raise forms.ValidationError("Choose at least one file or paste an article's text.")
        documents = _read_uploads(files, settings.MAX_ARTICLE_BYTES) if files else []
        if text:
            published = cleaned.get("published_at")
            try:
                documents.append(
                    document_from_mapping(
                        {
                            "text": text,
                            "title": cleaned.get("title") or "",
                            "outlet": cleaned.get("outlet") or "",
                            "url": cleaned.get("url") or "",
                            "published_at": published.isoformat() if published else None,
                        },
                        PASTED_SOURCE,
                    )
                )
            except InvalidDocument as exc:
                self.add_error("text", str(exc))
                return cleaned
        if documents and all(isinstance(d, ReadError) for d in documents):
            # Nothing usable: say what is wrong with each input instead of queueing a job that can only fail.
            raise forms.ValidationError([f"{d.source}: {d.message}" for d in documents if isinstance(d, ReadError)])
        cleaned["documents"] = documents
        return cleaned

    def documents(self) -> list[ArticleDocument | ReadError]:
        documents: list[ArticleDocument | ReadError] = self.cleaned_data["documents"]
        return documents

    def story_name(self) -> str:
        name: str = self.cleaned_data["story"]
        return name


# --- duplicate groups -------------------------------------------------------------------------


def _ids(value: str, what: str) -> list[int]:
    """Numbers typed as "12, 15 19" or "#12 #15"; anything else is the reviewer's typo, said plainly."""
    parts = [p for p in value.replace(",", " ").replace(";", " ").split() if p]
    bad = [p for p in parts if not p.lstrip("#").isdigit() or int(p.lstrip("#")) < 1]
    if bad:
        raise forms.ValidationError(f"{', '.join(bad)}: give {what} as numbers, separated by commas or spaces.")
    return list(dict.fromkeys(int(p.lstrip("#")) for p in parts))


class GroupMergeForm(forms.Form):
    claims = forms.CharField(
        label="Claims to add",
        required=False,
        max_length=2000,
        help_text="Claim numbers, e.g. 12, 15. Each moves here from whatever group it is in.",
    )
    groups = forms.CharField(
        label="Groups to merge in",
        required=False,
        max_length=2000,
        help_text="Group numbers: all of their claims move here.",
    )
    note = forms.CharField(label="Why (optional)", required=False, max_length=500)
    # The group version the reviewer saw; a merge into a group changed since is refused (GroupChanged).
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def clean_claims(self) -> list[int]:
        return _ids(self.cleaned_data["claims"], "claims")

    def clean_groups(self) -> list[int]:
        return _ids(self.cleaned_data["groups"], "groups")

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean() or {}
        if not self.errors and not cleaned.get("claims") and not cleaned.get("groups"):
            raise forms.ValidationError("Name at least one claim or group to merge into this one.")
        return cleaned


class GroupMergeSearchForm(forms.Form):
    """Words to find claims to merge in (their wording, or a name in any spelling), on the group page."""

    q = forms.CharField(
        label="Find claims to merge in",
        required=False,
        max_length=200,
        help_text="Type words of the claim or a name; pick a result to move it here.",
        # A text box (the site's field style) that phones label as search.
        widget=forms.TextInput(attrs={"inputmode": "search", "enterkeyhint": "search", "autocomplete": "off"}),
    )


class GroupSplitForm(forms.Form):
    claims = forms.TypedMultipleChoiceField(
        label="Claims to move out",
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Tick the claims that state a different fact."},
    )
    note = forms.CharField(label="Why (optional)", required=False, max_length=500)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, member_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["claims"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = [(pk, f"Claim {pk}") for pk in member_ids]


class GroupCanonicalForm(forms.Form):
    claim = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ClaimGroupForm(forms.Form):
    """A reviewer groups an ungrouped claim with others that state the same fact."""

    claims = forms.CharField(
        label="Same fact as claims",
        max_length=2000,
        help_text="Claim numbers, e.g. 12, 15.",
        error_messages={"required": "Name at least one other claim."},
    )
    note = forms.CharField(label="Why (optional)", required=False, max_length=500)

    def clean_claims(self) -> list[int]:
        return _ids(self.cleaned_data["claims"], "claims")
