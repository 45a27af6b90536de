"""Related assets, named transformations and eager derivatives (issue #14), through `call()`.

Admin API calls count against the hourly budget; `explicit` is the Upload API (not rate
limited). Nothing here touches the database.
"""

from __future__ import annotations

import cloudinary.api
import cloudinary.uploader

from assets.cloudinary.client import CloudinaryError, CloudinaryNotFound, call  # noqa: F401

RELATED_PAGE_LIMIT = 20  # 100 related assets a page: 2,000 is far beyond any master


def related_assets(asset_id: str) -> list[dict] | None:
    """The assets related to `asset_id` (every page), or None when it no longer exists.

    One Admin call per 100 related assets (`resource_by_asset_id(related=True)`)."""
    found, cursor = [], None
    for _ in range(RELATED_PAGE_LIMIT):
        options = {"related": True}
        if cursor:
            options["related_next_cursor"] = cursor
        try:
            answer = call(cloudinary.api.resource_by_asset_id, asset_id, **options)
        except CloudinaryNotFound:
            return None
        found += [dict(item) for item in answer.get("related_assets") or []]
        cursor = answer.get("related_assets_next_cursor") or answer.get("related_next_cursor")
        if not cursor:
            break
    return found


def named_transformation(name: str) -> dict | None:
    """The named transformation `name` (``info``, ``allowed_for_strict``) or None."""
    try:
        return dict(call(cloudinary.api.transformation, name))
    except CloudinaryNotFound:
        return None


def create_named_transformation(name: str, definition: str) -> None:
    """Create `name` and allow it under strict transformations (two Admin calls)."""
    call(cloudinary.api.create_transformation, name, definition)
    call(cloudinary.api.update_transformation, name, allowed_for_strict=True)


def update_named_transformation(name: str, definition: str) -> None:
    """Change `name`'s definition (`unsafe_update`: newly generated derivatives use it)."""
    call(cloudinary.api.update_transformation, name, unsafe_update=definition,
         allowed_for_strict=True)


def generate_eager(*, public_id: str, resource_type: str, delivery_type: str,
                   eager: list[str], notification_url: str | None) -> dict:
    """Ask Cloudinary to generate derivatives ahead (`explicit` + `eager_async`)."""
    options = {"type": delivery_type, "resource_type": resource_type, "eager": eager,
               "eager_async": True}
    if notification_url:
        options["eager_notification_url"] = notification_url
    return dict(call(cloudinary.uploader.explicit, public_id, **options))


def invalidate_derivatives(*, public_ids: list[str], transformations: list[str],
                           resource_type: str, delivery_type: str) -> dict:
    """Delete and purge from the CDN exactly these derivatives of these assets (Admin API
    `delete_derived_by_transformation` with ``invalidate=True``; the originals stay). One
    call per 100 public ids."""
    answers = {}
    for start in range(0, len(public_ids), 100):
        answer = call(cloudinary.api.delete_derived_by_transformation,
                      public_ids[start:start + 100], transformations,
                      resource_type=resource_type, type=delivery_type, invalidate=True)
        answers.update(answer.get("deleted") or {})
    return answers


DERIVED_PAGE_LIMIT = 20  # 500 derived images a page: 10,000 is far beyond one override


def named_transformation_derived(name: str) -> list[dict] | None:
    """The derived images Cloudinary holds of the named transformation `name` (every
    page of `transformation`'s ``derived``), or None when the name does not exist."""
    found, cursor = [], None
    for _ in range(DERIVED_PAGE_LIMIT):
        options = {"max_results": 500}
        if cursor:
            options["next_cursor"] = cursor
        try:
            answer = call(cloudinary.api.transformation, name, **options)
        except CloudinaryNotFound:
            return None
        found += [dict(item) for item in answer.get("derived") or []]
        cursor = answer.get("next_cursor")
        if not cursor:
            break
    return found


def delete_named_transformation(name: str) -> bool:
    """Delete `name` (Admin API `delete_transformation`; Cloudinary deletes the derived
    images made with it too). False when it was gone already."""
    try:
        call(cloudinary.api.delete_transformation, name)
    except CloudinaryNotFound:
        return False
    return True
