"""Seed the demo: staff personas, the mirrored demo cloud, communities, publications, cases.

Idempotent: run it on every `make run`. Each app seeds its own part through
its `demo.seed(stdout)`; this command orders them and prints the logins.
"""

import importlib
import os

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User
from accounts.roles import CONTENT_TEAM, SUPPORT_STAFF

# (email, first name, last name, role description, group or None, superuser)
STAFF = [
    ("content@brand.example", "Casey", "Content", "Content team: approves and publishes",
     CONTENT_TEAM, False),
    ("support@brand.example", "Sam", "Support", "Support staff: answers cases",
     SUPPORT_STAFF, False),
    ("admin@brand.example", "Ada", "Admin", "Superuser", None, True),
]
PARTNERS = [
    ("alice@alpine-outfitters.example", "Partner admin, Alpine Outfitters (EU Retailers)"),
    ("bob@alpine-outfitters.example", "Partner, Alpine Outfitters (EU Retailers)"),
    ("charlie@sakura-trading.example", "Partner, Sakura Trading (Japan Resellers)"),
]
# Order matters: the catalog first, then who sees it, then cases about it.
DEMO_STEPS = ["assets.demo", "communities.demo", "cases.demo", "launches.demo"]


class Command(BaseCommand):
    help = "Create demo personas and data (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--password", default=os.environ.get("PORTAL_DEMO_PASSWORD",
                                                                 "portal-demo-2026"))
        parser.add_argument("--personas-only", action="store_true",
                            help="Only the staff personas; no calls to the emulators.")
        parser.add_argument("--logins-only", action="store_true",
                            help="Only print the logins (bin/run-demo's last words); "
                                 "changes nothing.")

    def handle(self, *args, password, personas_only, logins_only=False, **options):
        if logins_only:
            self._print_logins(password)
            return
        self._staff(password)
        if not personas_only:
            for module_name in DEMO_STEPS:
                self.stdout.write(f"Seeding {module_name.split('.')[0]}...")
                importlib.import_module(module_name).seed(self.stdout)
        self._partner_passwords(password)
        self._print_logins(password)

    @transaction.atomic
    def _staff(self, password: str) -> None:
        for email, first, last, _, group, superuser in STAFF:
            user = User.objects.filter(email=email).first()
            if user is None:
                maker = User.objects.create_superuser if superuser else User.objects.create_user
                user = maker(email, password, first_name=first, last_name=last, is_staff=True)
            if group:
                user.groups.add(Group.objects.get(name=group))

    def _partner_passwords(self, password: str) -> None:
        for email, _ in PARTNERS:
            user = User.objects.filter(email=email).first()
            if user and not user.has_usable_password():
                user.set_password(password)
                user.save(update_fields=["password"])

    def _print_logins(self, password: str) -> None:
        self.stdout.write(self.style.SUCCESS(f"\nDemo logins (password: {password})"))
        for email, _first, _last, description, _group, _superuser in STAFF:
            self.stdout.write(f"  {email:36} {description}")
        for email, description in PARTNERS:
            present = User.objects.filter(email=email).exists()
            note = "" if present else "  (not synced from Trading Grid yet)"
            self.stdout.write(f"  {email:36} {description}{note}")
        site = settings.SITE_URL
        self.stdout.write(f"Site: {site}  ·  Admin: {site}/admin/\n")
