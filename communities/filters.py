"""FilterSets shared by the communities pages and API."""

import django_filters

from communities.models import Community


class CommunityFilter(django_filters.FilterSet):
    """Filter communities by kind, market slug, or a word of the name."""

    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Name")
    kind = django_filters.ChoiceFilter(choices=Community.Kind.choices)
    market = django_filters.CharFilter(field_name="markets__slug", label="Market slug",
                                       distinct=True)

    class Meta:
        model = Community
        fields = ["q", "kind", "market"]
