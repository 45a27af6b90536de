"""Forms of the case pages (labels and help texts are what screen readers announce)."""

from django import forms
from django.conf import settings

from cases.attachments import ACCEPT, inspect_upload
from cases.filters import staff_users
from cases.models import Case
from cases.services import BULK_ACTIONS
from portal.validators import no_control_characters

C = Case.Category
# Without an asset a partner reports what is not in the catalog; with one, what is wrong
# with it ("Missing asset" about an asset the partner is looking at makes no sense).
CATEGORIES_WITHOUT_ASSET = [C.MISSING_ASSET, C.ALTERNATE_FORMAT, C.OTHER]


def attachment_field() -> forms.FileField:
    limit = settings.CASE_ATTACHMENT_MAX_BYTES // (1024 * 1024)
    return forms.FileField(
        required=False, label="Screenshot (optional)",
        help_text=f"PNG, JPEG, GIF, WebP or PDF, up to {limit} MB.",
        widget=forms.FileInput(attrs={"accept": ACCEPT}))


class AttachmentMixin:
    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        if upload:
            inspect_upload(upload)  # a ValidationError here is the field's error
        return upload


class OpenCaseForm(AttachmentMixin, forms.Form):
    category = forms.ChoiceField(choices=Case.Category.choices, label="What is wrong?")
    subject = forms.CharField(max_length=200, label="Subject",
                              validators=[no_control_characters])
    priority = forms.ChoiceField(choices=Case.Priority.choices, initial=Case.Priority.NORMAL,
                                 label="Priority")
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), max_length=20_000,
                           label="Describe the problem",
                           help_text="Markdown is supported: **bold**, lists, links.")
    attachment = attachment_field()

    def __init__(self, *args, with_asset: bool, **kwargs):
        super().__init__(*args, **kwargs)
        category = self.fields["category"]
        if with_asset:
            category.choices = [c for c in C.choices if c[0] != C.MISSING_ASSET]
            category.initial = C.INCORRECT_ASSET
        else:
            category.choices = [(c.value, c.label) for c in CATEGORIES_WITHOUT_ASSET]
            category.initial = C.MISSING_ASSET
            self.fields["body"].label = "What are you looking for?"
            self.fields["body"].help_text = ("Name the product, market, language and format "
                                             "you need. Markdown is supported.")


class ReplyForm(AttachmentMixin, forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), max_length=20_000,
                           label="Your reply", help_text="Markdown is supported.")
    internal = forms.BooleanField(required=False, label="Internal note (staff only, never "
                                                        "shown to the partner)")
    attachment = attachment_field()


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(queryset=staff_users(), required=False,
                                      empty_label="Unassigned", label="Assignee")


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=[c for c in Case.Status.choices if c[0] != Case.Status.RESOLVED],
        label="Status")
    note = forms.CharField(required=False, max_length=2000, label="Note (optional)")


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(choices=Case.Priority.choices, label="Priority")


class ResolveForm(forms.Form):
    """How support resolves a case. The page offers ONE radio group, `resolution`: a
    version ("version:<pk>"), a replacement asset ("replacement:<pk>") or "link". The
    separate `resolution_kind` + `version` / `replacement_asset` fields are still accepted
    (scripts and older pages post them)."""

    resolution = forms.CharField(required=False, max_length=40)
    resolution_kind = forms.ChoiceField(choices=Case.ResolutionKind.choices, required=False,
                                        widget=forms.RadioSelect, label="Resolve with")
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    replacement_asset = forms.IntegerField(required=False, widget=forms.HiddenInput)
    link = forms.URLField(required=False, max_length=1000, assume_scheme="https",
                          label="Replacement link")
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=10_000,
                           label="Note to the partner")

    def clean(self):
        data = super().clean()
        choice = data.get("resolution") or ""
        if choice:
            kind, _, pk = choice.partition(":")
            if kind == "link" and not pk:
                data.update(resolution_kind="link", version=None, replacement_asset=None)
            elif kind in ("version", "replacement") and pk.isdigit():
                field = "version" if kind == "version" else "replacement_asset"
                data.update(resolution_kind=kind, version=None, replacement_asset=None)
                data[field] = int(pk)
            else:
                raise forms.ValidationError("Choose a version, a replacement or a link.")
        elif not data.get("resolution_kind"):
            raise forms.ValidationError("Choose how the case is resolved: a corrected "
                                        "version, a replacement asset or a link.")
        return data


class BulkForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a.title()) for a in BULK_ACTIONS],
                               label="With the selected cases")
    assignee = forms.ModelChoiceField(queryset=staff_users(), required=False,
                                      empty_label="Unassigned", label="Assign to")
    priority = forms.ChoiceField(choices=[("", "—"), *Case.Priority.choices], required=False,
                                 label="Set priority")
