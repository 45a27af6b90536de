"""Structured metadata field definitions: CRUD and datasource values (Admin API)."""

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


def create_field(emu, params):
    """POST /metadata_fields."""
    field = build_field(params)
    if field["external_id"] in emu.store.metadata_fields:
        raise bad_request(f"external id {field['external_id']} already exists")
    emu.store.metadata_fields[field["external_id"]] = field
    emu.store.changed()
    return field


def update_field(emu, params, external_id):
    """PUT /metadata_fields/<id>: change label, mandatory, default, validation, datasource."""
    field = _field_or_404(emu, external_id)
    if params.get("type") not in (None, field["type"]):
        raise bad_request("The type of a metadata field cannot be changed")
    for name in ("label", "mandatory", "default_value", "validation", "restrictions",
                 "default_disabled", "allow_dynamic_list_values"):
        if name in params:
            field[name] = params[name]
    if "datasource" in params and field["type"] in ("enum", "set"):
        field["datasource"] = _datasource(params["datasource"])
    emu.store.changed()
    return field


def delete_field(emu, params, external_id):
    """DELETE /metadata_fields/<id>; values are removed from every asset."""
    _field_or_404(emu, external_id)
    with emu.store.lock:
        del emu.store.metadata_fields[external_id]
        for res in emu.store.all():
            res.metadata.pop(external_id, None)
    emu.store.changed()
    return {"message": "ok"}


def update_datasource(emu, params, external_id):
    """PUT /metadata_fields/<id>/datasource: add or relabel values."""
    field = _field_or_404(emu, external_id)
    if "datasource" not in field:
        raise bad_request(f"Field {external_id} has no datasource")
    current = {v["external_id"]: v for v in field["datasource"]["values"]}
    for value in _datasource(params.get("values", []))["values"]:
        current[value["external_id"]] = {**current.get(value["external_id"], {}), **value,
                                         "state": "active"}
    field["datasource"]["values"] = list(current.values())
    emu.store.changed()
    return field["datasource"]


def _set_state(emu, params, external_id, state):
    field = _field_or_404(emu, external_id)
    wanted = set(params.get("external_ids", []))
    for value in field.get("datasource", {}).get("values", []):
        if value["external_id"] in wanted:
            value["state"] = state
    emu.store.changed()
    return field.get("datasource", {"values": []})


def delete_datasource(emu, params, external_id):
    """DELETE /metadata_fields/<id>/datasource: values become ``inactive``."""
    return _set_state(emu, params, external_id, "inactive")


def restore_datasource(emu, params, external_id):
    """POST /metadata_fields/<id>/datasource_restore."""
    return _set_state(emu, params, external_id, "active")


def route(method: str, rest: list[str]):
    """``(endpoint_name, handler, path_args)`` below ``/metadata_fields``."""
    if not rest:
        return {"GET": ("metadata_fields.list", list_fields, []),
                "POST": ("metadata_fields.create", create_field, [])}.get(method)
    if len(rest) == 1:
        return {"GET": ("metadata_fields.get", get_field, rest),
                "PUT": ("metadata_fields.update", update_field, rest),
                "DELETE": ("metadata_fields.delete", delete_field, rest)}.get(method)
    if len(rest) == 2 and rest[1] == "datasource":
        return {"PUT": ("metadata_fields.datasource", update_datasource, rest[:1]),
                "DELETE": ("metadata_fields.datasource_delete", delete_datasource,
                           rest[:1])}.get(method)
    if len(rest) == 2 and rest[1] == "datasource_restore" and method == "POST":
        return "metadata_fields.datasource_restore", restore_datasource, rest[:1]
    return None
