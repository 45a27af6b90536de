"""Forms of the partner pages: inviting a colleague and accepting an invitation."""

from django import forms
from django.contrib.auth import password_validation


class InviteForm(forms.Form):
    """A partner admin invites a colleague by email address."""

    email = forms.EmailField(label="Colleague's email address", max_length=254)


class AcceptInvitationForm(forms.Form):
    """Choose a password while accepting an invitation (the email is the invitation's)."""

    password1 = forms.CharField(label="Password", strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete":
                                                                  "new-password"}))
    password2 = forms.CharField(label="Password (again)", strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete":
                                                                  "new-password"}))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            raise forms.ValidationError("The two passwords differ.")
        if first:
            password_validation.validate_password(first, self.user)
        return cleaned
