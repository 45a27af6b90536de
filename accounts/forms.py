"""Forms of the account pages."""

from django import forms
from django.conf import settings

from accounts.tokens import ttl_choices
from portal.validators import no_control_characters


class NewTokenForm(forms.Form):
    name = forms.CharField(max_length=100, label="Name",
                           validators=[no_control_characters],
                           help_text="What the token is for, e.g. “PIM import”.")
    ttl_days = forms.TypedChoiceField(coerce=int, label="Expires after",
                                      help_text="You can revoke it at any time.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ttl_days"].choices = [(d, f"{d} days") for d in ttl_choices()]
        self.fields["ttl_days"].initial = settings.API_TOKEN_TTL_DAYS
