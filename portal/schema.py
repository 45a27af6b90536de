"""OpenAPI postprocessing: the error answers every operation can give are documented.

Any endpoint may answer 400 (a bad parameter, or a NUL byte anywhere in the address),
401/403 (no, bad or expired credentials; staff without a second factor), 404 (an id
that is not there or not yours, a page past the last) and 429 (throttled).
Operations that document their own version of one of these keep it.
"""

_DETAIL = {"type": "object", "properties": {"detail": {"type": "string"}},
           "required": ["detail"]}
_JSON = "application/json"
_COMMON = {
    "400": ("Invalid input: messages per parameter or field, or a `detail`",
            {"type": "object", "additionalProperties": True}),
    "401": ("No or invalid credentials", _DETAIL),
    "403": ("Not allowed (e.g. staff without two-factor authentication)", _DETAIL),
    "429": ("Too many requests: see Retry-After", _DETAIL),
}
_NOT_FOUND = ("No such object or page, or not visible to you (the same answer for both)",
              _DETAIL)


def add_common_error_responses(result, generator, request, public):
    """drf-spectacular POSTPROCESSING_HOOKS entry."""
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            errors = {**_COMMON, "404": _NOT_FOUND}
            for status, (description, schema) in errors.items():
                responses.setdefault(status, {"description": description,
                                              "content": {_JSON: {"schema": schema}}})
    return result
