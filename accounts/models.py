"""Portal users: signed in by email address; roles are Django groups."""

import uuid

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils import timezone
from knox.models import AbstractAuthToken


class UserManager(BaseUserManager):
    """Creates users keyed by email; there is no username."""

    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class User(AbstractUser):
    """A person who signs in: a partner's employee or a member of the brand's staff."""

    username = None
    email = models.EmailField("email address", unique=True)
    last_catalog_visit = models.DateTimeField(null=True, blank=True)
    # The zone pages show times in (an IANA name); empty: the zone of the market of the
    # user's community (portal.timezones), else UTC.
    # db_default: rows written by code that predates the column (migration tests, old
    # processes during a deploy) still insert.
    time_zone = models.CharField(max_length=64, blank=True, db_default="",
                                 help_text="e.g. Europe/Berlin; empty: from the community's "
                                           "market")

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def set_password(self, raw_password):
        super().set_password(raw_password)
        self._password_changed = True

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        # Every way of changing a password (allauth change/reset, the admin,
        # `changepassword`) goes through set_password + save: API tokens die with it.
        if getattr(self, "_password_changed", False):
            self._password_changed = False
            self.api_tokens_revoke(reason="password changed")

    def api_tokens_revoke(self, *, reason: str) -> int:
        """Delete every API token of this user; returns how many there were."""
        from accounts.tokens import api_tokens_revoke_all

        return api_tokens_revoke_all(user=self, reason=reason)


class ApiToken(AbstractAuthToken):
    """A personal API token: only its SHA-512 digest is stored (django-rest-knox).

    The key is shown once when created; `uid` names the token in pages and the API
    without revealing any part of the key.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100)
    last_used = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"

    @property
    def is_expired(self) -> bool:
        return self.expiry is not None and self.expiry <= timezone.now()
