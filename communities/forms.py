"""Forms of the partner pages: inviting a colleague and accepting an invitation."""

from django import forms
from django.contrib.auth import password_validation

from portal.validators import no_control_characters


class InviteForm(forms.Form):
    """A partner admin invites a colleague by email address."""

    email = forms.EmailField(label="Colleague's email address", max_length=254)


class AcceptInvitationForm(forms.Form):
    """Give a name and choose a password while accepting an invitation (the email is the
    invitation's). The password rules are shown before the first try, not after a failure."""

    first_name = forms.CharField(label="First name", max_length=150,
                                 validators=[no_control_characters],
                                 widget=forms.TextInput(attrs={"autocomplete": "given-name"}))
    last_name = forms.CharField(label="Last name", max_length=150,
                                validators=[no_control_characters],
                                widget=forms.TextInput(attrs={"autocomplete": "family-name"}))
    password1 = forms.CharField(label="Password", strip=False,
                                widget=forms.PasswordInput(attrs={
                                    "autocomplete": "new-password",
                                    "aria-describedby": "id_password1_rules"}))
    password2 = forms.CharField(label="Password (again)", strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete":
                                                                  "new-password"}))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.initial.setdefault("first_name", getattr(user, "first_name", ""))
        self.initial.setdefault("last_name", getattr(user, "last_name", ""))

    @property
    def password_rules(self) -> list[str]:
        """What the configured validators require, in their own words."""
        return password_validation.password_validators_help_texts()

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            raise forms.ValidationError("The two passwords differ.")
        if first and self.user is not None:
            # The similarity check compares with the name being given now.
            self.user.first_name = cleaned.get("first_name", "")
            self.user.last_name = cleaned.get("last_name", "")
        if first:
            password_validation.validate_password(first, self.user)
        return cleaned
