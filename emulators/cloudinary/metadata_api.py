"""Structured metadata field definitions: CRUD, datasource values and ordering (Admin API).

As Cloudinary behaves (pycloudinary's ``test/test_metadata.py`` runs against the real service):
an update ignores the attributes that cannot change (``external_id``, ``type``) and applies the
rest; the datasource endpoints answer ``{"values": [...]}`` with the *active* entries as
``{external_id, value}``; deleting entries makes them ``inactive`` (kept on the field, no longer
valid for assets, restorable); a deleted field's external id stays taken.
"""

from __future__ import annotations

import re
import uuid

from .errors import ApiError, bad_request

FIELD_TYPES = ("string", "integer", "date", "enum", "set")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or uuid.uuid4().hex[:8]


def _field_or_404(emu, external_id: str) -> dict:
    field = emu.store.metadata_fields.get(external_id)
    if field is None:
        raise ApiError(404, f"Metadata field with external id {external_id} not found")
    return field


def _datasource(values) -> dict:
    if isinstance(values, dict):
        values = values.get("values", [])
    cleaned = []
    for value in values or []:
        if not isinstance(value, dict) or "value" not in value:
            raise bad_request("Datasource values must have a value")
        cleaned.append({"external_id": value.get("external_id") or _slug(str(value["value"])),
                        "value": str(value["value"]),
                        "state": value.get("state", "active")})
    return {"values": cleaned}


def build_field(spec: dict) -> dict:
    """A complete field definition from a create request (validates type and datasource)."""
    kind = spec.get("type")
    if kind not in FIELD_TYPES:
        raise bad_request(f"Invalid metadata field type {kind}")
    label = spec.get("label")
    if not label:
        raise bad_request("Missing required parameter - label")
    field = {
        "type": kind,
        "external_id": spec.get("external_id") or _slug(label),
        "label": label,
        "mandatory": bool(spec.get("mandatory", False)),
        "default_value": spec.get("default_value"),
        "validation": spec.get("validation"),
        "default_disabled": bool(spec.get("default_disabled", False)),
        "restrictions": spec.get("restrictions") or {"readonly_ui": False},
    }
    if kind in ("enum", "set"):
        field["datasource"] = _datasource(spec.get("datasource"))
        if not field["datasource"]["values"]:
            raise bad_request(f"A {kind} field needs datasource values")
        field["allow_dynamic_list_values"] = bool(spec.get("allow_dynamic_list_values", False))
    return field


def list_fields(emu, params):
    """GET /metadata_fields."""
    return {"metadata_fields": list(emu.store.metadata_fields.values())}


def get_field(emu, params, external_id):
    """GET /metadata_fields/<id>."""
    return _field_or_404(emu, external_id)


def _retired(emu) -> set[str]:
    """External ids of deleted fields: Cloudinary never hands them out again."""
    if not hasattr(emu.store, "retired_metadata_ids"):
        emu.store.retired_metadata_ids = set()
    return emu.store.retired_metadata_ids


def create_field(emu, params):
    """POST /metadata_fields."""
    field = build_field(params)
    taken = field["external_id"] in emu.store.metadata_fields \
        or field["external_id"] in _retired(emu)
    if taken:
        raise bad_request(f"external id {field['external_id']} already exists")
    emu.store.metadata_fields[field["external_id"]] = field
    if hasattr(emu.store, "metadata_creation_order"):
        emu.store.metadata_creation_order.append(field["external_id"])
    emu.store.changed()
    return field


def update_field(emu, params, external_id):
    """PUT /metadata_fields/<id>: change label, mandatory, default, validation, datasource.

    ``external_id`` and ``type`` cannot change; a request naming them is applied without them.
    Datasource entries are merged by external id (new ones added, known ones relabelled).
    """
    field = _field_or_404(emu, external_id)
    for name in ("label", "mandatory", "default_value", "validation", "restrictions",
                 "default_disabled", "allow_dynamic_list_values"):
        if name in params:
            field[name] = params[name]
    if "datasource" in params and field["type"] in ("enum", "set"):
        _merge_values(field, _datasource(params["datasource"])["values"])
    emu.store.changed()
    return field


def delete_field(emu, params, external_id):
    """DELETE /metadata_fields/<id>; values are removed from every asset."""
    _field_or_404(emu, external_id)
    with emu.store.lock:
        del emu.store.metadata_fields[external_id]
        _retired(emu).add(external_id)
        for res in emu.store.all():
            res.metadata.pop(external_id, None)
    emu.store.changed()
    return {"message": "ok"}


def _active_values(field: dict) -> dict:
    """``{"values": [{external_id, value}, ...]}``: the datasource answer (active entries)."""
    return {"values": [{"external_id": v["external_id"], "value": v["value"]}
                       for v in field.get("datasource", {}).get("values", [])
                       if v.get("state", "active") == "active"]}


def _merge_values(field: dict, values: list[dict]) -> None:
    current = {v["external_id"]: v for v in field["datasource"]["values"]}
    for value in values:
        current[value["external_id"]] = {**current.get(value["external_id"], {}), **value,
                                         "state": "active"}
    field["datasource"]["values"] = list(current.values())


def _listed_field(emu, external_id) -> dict:
    field = _field_or_404(emu, external_id)
    if "datasource" not in field:
        raise bad_request(f"Field {external_id} has no datasource")
    return field


def update_datasource(emu, params, external_id):
    """PUT /metadata_fields/<id>/datasource: add or relabel values (merged by external id)."""
    field = _listed_field(emu, external_id)
    _merge_values(field, _datasource(params.get("values", []))["values"])
    emu.store.changed()
    return _active_values(field)


def _set_state(emu, params, external_id, state):
    field = _listed_field(emu, external_id)
    wanted = params.get("external_ids") or []
    if not isinstance(wanted, list) or not wanted:
        raise bad_request("Missing required parameter - external_ids")
    known = {v["external_id"]: v for v in field["datasource"]["values"]}
    unknown = [i for i in wanted if i not in known]
    if unknown:
        raise bad_request(f"Datasource entries not found - {', '.join(map(str, unknown))}")
    for entry_id in wanted:
        known[entry_id]["state"] = state
    emu.store.changed()
    return _active_values(field)


def delete_datasource(emu, params, external_id):
    """DELETE /metadata_fields/<id>/datasource: entries become ``inactive``."""
    return _set_state(emu, params, external_id, "inactive")


def restore_datasource(emu, params, external_id):
    """POST /metadata_fields/<id>/datasource_restore: inactive entries become active again."""
    return _set_state(emu, params, external_id, "active")


def _direction(params) -> bool:
    """True for descending; ``asc`` is the default (None from the SDK means the default)."""
    direction = params.get("direction") or "asc"
    if direction not in ("asc", "desc"):
        raise bad_request(f"Invalid direction {direction}, must be asc or desc")
    return direction == "desc"


def reorder_datasource(emu, params, external_id):
    """POST /metadata_fields/<id>/datasource/order ``{order_by: "value", direction}``."""
    field = _listed_field(emu, external_id)
    if params.get("order_by") != "value":
        raise bad_request(f"Invalid order_by {params.get('order_by')}, must be value")
    descending = _direction(params)
    field["datasource"]["values"].sort(key=lambda v: v["value"].casefold(), reverse=descending)
    emu.store.changed()
    return _active_values(field)


FIELD_ORDER_KEYS = ("label", "external_id", "created_at")


def _creation_order(emu) -> list[str]:
    """Field ids in creation order, remembered before the first reorder changes the list's."""
    if not hasattr(emu.store, "metadata_creation_order"):
        emu.store.metadata_creation_order = list(emu.store.metadata_fields)
    return emu.store.metadata_creation_order


def reorder_fields(emu, params):
    """PUT /metadata_fields/order ``{order_by: label|external_id|created_at, direction}``."""
    order_by = params.get("order_by")
    if order_by not in FIELD_ORDER_KEYS:
        raise bad_request(f"Invalid order_by {order_by}, must be one of "
                          f"{', '.join(FIELD_ORDER_KEYS)}")
    descending = _direction(params)
    fields = [emu.store.metadata_fields[i] for i in _creation_order(emu)
              if i in emu.store.metadata_fields]
    if order_by != "created_at":
        fields.sort(key=lambda f: str(f[order_by]).casefold())
    if descending:
        fields.reverse()
    with emu.store.lock:
        emu.store.metadata_fields.clear()
        emu.store.metadata_fields.update({f["external_id"]: f for f in fields})
    emu.store.changed()
    return {"metadata_fields": fields}


def route(method: str, rest: list[str]):
    """``(endpoint_name, handler, path_args)`` below ``/metadata_fields``."""
    if not rest:
        return {"GET": ("metadata_fields.list", list_fields, []),
                "POST": ("metadata_fields.create", create_field, [])}.get(method)
    if rest == ["order"] and method == "PUT":
        return "metadata_fields.order", reorder_fields, []
    if len(rest) == 1:
        return {"GET": ("metadata_fields.get", get_field, rest),
                "PUT": ("metadata_fields.update", update_field, rest),
                "DELETE": ("metadata_fields.delete", delete_field, rest)}.get(method)
    if len(rest) == 2 and rest[1] == "datasource":
        return {"PUT": ("metadata_fields.datasource", update_datasource, rest[:1]),
                "DELETE": ("metadata_fields.datasource_delete", delete_datasource,
                           rest[:1])}.get(method)
    if len(rest) == 3 and rest[1:] == ["datasource", "order"] and method == "POST":
        return "metadata_fields.datasource_order", reorder_datasource, rest[:1]
    if len(rest) == 2 and rest[1] == "datasource_restore" and method == "POST":
        return "metadata_fields.datasource_restore", restore_datasource, rest[:1]
    return None
