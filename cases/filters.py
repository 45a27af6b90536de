"""The case FilterSet, shared by the staff queue page and the REST API."""

import re

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q, Value
from django.db.models.functions import Concat
from django.utils import timezone

from accounts.roles import STAFF_GROUPS
from cases.models import Case
from communities.models import Community


def staff_users():
    """Who a case can be assigned to: support staff and the content team."""
    return (get_user_model().objects.filter(is_active=True)
            .filter(Q(groups__name__in=STAFF_GROUPS) | Q(is_superuser=True))
            .distinct().order_by("email"))


class CaseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Number, subject or opener")
    status = django_filters.MultipleChoiceFilter(choices=Case.Status.choices)
    category = django_filters.ChoiceFilter(choices=Case.Category.choices, empty_label="Any")
    priority = django_filters.ChoiceFilter(choices=Case.Priority.choices, empty_label="Any")
    assignee = django_filters.ModelChoiceFilter(queryset=staff_users(), null_label="Unassigned",
                                                empty_label="Anyone")
    community = django_filters.ModelChoiceFilter(queryset=Community.objects.all(),
                                                 empty_label="Any")
    overdue = django_filters.ChoiceFilter(method="filter_overdue", label="SLA",
                                          choices=[("true", "Overdue"), ("false", "On time")],
                                          empty_label="Any")

    class Meta:
        model = Case
        fields = ["q", "status", "category", "priority", "assignee", "community", "overdue"]

    def filter_q(self, queryset, name, value):
        value = value.strip()[:100]
        if not value:
            return queryset
        named = queryset.alias(opener_name=Concat("opener__first_name", Value(" "),
                                                  "opener__last_name"))
        return named.filter(_number_match(value) | Q(subject__icontains=value)
                            | _opener_match(value))

    def filter_overdue(self, queryset, name, value):
        if value not in ("true", "false"):
            return queryset
        overdue = Q(status__in=Case.OPEN_STATUSES, sla_due_at__lt=timezone.now())
        return queryset.filter(overdue) if value == "true" else queryset.exclude(overdue)


# "4", "#4", "00004", "2026-00004" and "CASE-2026-00004" all name case number 4.
NUMBER = re.compile(r"^(?:#|case-?)?(?:(\d{4})-)?0*(\d{1,9})$", re.IGNORECASE)


def _number_match(value: str) -> Q:
    """A search for a case number matches its reference in any year (or the one given)."""
    found = NUMBER.match(value.replace(" ", ""))
    if not found:
        return Q(reference__iexact=value)
    year, number = found.groups()
    suffix = f"-{int(number):05d}"
    if year:
        return Q(reference__iexact=f"CASE-{year}{suffix}")
    return Q(reference__iendswith=suffix)


def _opener_match(value: str) -> Q:
    """The opener's email or name, in part or whole (the `opener_name` alias)."""
    return Q(opener__email__icontains=value) | Q(opener_name__icontains=value)
