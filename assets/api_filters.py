"""The API's view of the catalog FilterSet: `file_format` instead of `format`.

DRF reserves `?format=` for content negotiation (`json`, `api`), so the catalog's
`format` facet could never reach the FilterSet through the API (`?format=jpg` was a
404). The API filters by file format as `?file_format=jpg`; the HTML catalog keeps
`format`. A `?format=` that names no renderer is a 400 that says so.
"""

from django.http import Http404
from rest_framework.exceptions import ValidationError

from assets.filters import AssetFilter, MultiValueFilter

FORMAT_HINT = ("`format` chooses the response format (json or api). To filter by file "
               "format use `file_format`, e.g. ?file_format=jpg.")


class ApiAssetFilter(AssetFilter):
    """AssetFilter with the `format` facet renamed `file_format`."""

    file_format = MultiValueFilter(
        field_name="format", label="File format",
        help_text="File format(s) of the asset, e.g. jpg, png, pdf, mp4 (repeat for OR). "
                  "Renamed from `format`, which DRF keeps for the response format.")


ApiAssetFilter.base_filters.pop("format")


class FormatParameterHint:
    """A view mixin: `?format=<not a renderer>` is a clear 400, not a bare 404."""

    def perform_content_negotiation(self, request, force=False):
        try:
            return super().perform_content_negotiation(request, force=force)
        except Http404:
            raise ValidationError({"format": [FORMAT_HINT]})
