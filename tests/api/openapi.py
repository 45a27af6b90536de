"""Validate API responses against the OpenAPI schema drf-spectacular generates.

    from tests.api.openapi import assert_matches_schema
    response = client.get("/api/v1/assets/")
    assert_matches_schema(response)   # raises with openapi-core's explanation

The schema is built once per test session from the live URL configuration, the
same document `/api/schema/` serves, so a serializer that drifts from its
declared schema fails the test that exercises it.
"""

import json
from functools import lru_cache

from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from openapi_core import OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse


@lru_cache(maxsize=1)
def openapi_schema() -> dict:
    """The API's OpenAPI document as plain JSON data."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema, renderer_context={}))


@lru_cache(maxsize=1)
def _openapi() -> OpenAPI:
    return OpenAPI.from_dict(openapi_schema())


def assert_matches_schema(response) -> None:
    """Fail unless `response` (from Django's test client) is what the schema declares.

    Checks the operation exists for the request's method and path, and that status,
    content type and body match its declared response.
    """
    request = DjangoOpenAPIRequest(response.wsgi_request)
    _openapi().validate_response(request, DjangoOpenAPIResponse(response))
