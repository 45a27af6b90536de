"""Upload API actions: upload, explicit, destroy, rename, tags, context, metadata.

Handlers take ``(emu, rt, params, file)`` (``file`` = ``(filename, bytes)`` or None) and return
the JSON answer. Authentication is done by the server with :mod:`upload_auth` first.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import random
import string
import urllib.request
import uuid

from . import breakpoints, derivatives, mutations, rendering
from .access import parse_access_control, store_access_control
from .errors import ApiError, bad_request, not_found
from .media import inspect
from .params import coerce_metadata, flag, many, parse_pipe_map, parse_tags
from .shapes import upload_answer
from .store import Resource, etag_of

DELIVERY_TYPES = ("upload", "private", "authenticated")


def _random_id(length: int = 20) -> str:
    return "".join(random.choices(string.ascii_lowercase + string.digits, k=length))


def _read_file(params: dict, file) -> tuple[str, bytes]:
    if file is not None:
        return file
    source = params.get("file")
    if not source:
        raise bad_request("Missing required parameter - file")
    if source.startswith("data:"):
        try:
            header, encoded = source.split(",", 1)
            raw = base64.b64decode(encoded) if ";base64" in header else encoded.encode()
        except (ValueError, binascii.Error):
            raise bad_request("Invalid data URI") from None
        return "file", raw
    if source.startswith(("http://", "https://")):
        try:
            with urllib.request.urlopen(source, timeout=10) as answer:
                return source.rsplit("/", 1)[-1].split("?")[0] or "file", answer.read()
        except OSError as exc:
            raise bad_request(f"Error in loading {source} - {exc}") from None
    raise bad_request(f"Invalid file parameter {source[:40]}")


def _public_id(params: dict, filename: str) -> str:
    public_id = params.get("public_id")
    if not public_id:
        stem = filename.rsplit("/", 1)[-1]
        stem = stem.rsplit(".", 1)[0] if "." in stem else stem
        if flag(params.get("use_filename", "0")) and stem and stem != "file":
            public_id = stem
            if flag(params.get("unique_filename", "1")):
                public_id += "_" + _random_id(6)
        else:
            public_id = _random_id()
    folder = (params.get("folder") or "").strip("/")
    return f"{folder}/{public_id}" if folder else public_id


def upload(emu, rt: str, params: dict, file) -> dict:
    """POST /<rt>/upload."""
    filename, data = _read_file(params, file)
    info = inspect(data, rt, filename)
    dtype = params.get("type") or "upload"
    if dtype not in DELIVERY_TYPES:
        raise bad_request(f"Invalid type {dtype}")
    public_id = _public_id(params, filename)
    existing = emu.store.get(info.resource_type, dtype, public_id)
    if existing is not None and not flag(params.get("overwrite", "1")):
        return {**upload_answer(existing, emu.url, emu.cloud, emu.api_key), "existing": True}
    metadata = coerce_metadata(emu.store, parse_pipe_map(params.get("metadata")))
    access_rules = parse_access_control(params.get("access_control"))
    breakpoint_settings = _breakpoint_settings(emu, params)
    with emu.store.lock:
        now = emu.store.now()
        res = existing or Resource(
            asset_id=uuid.uuid4().hex, public_id=public_id, resource_type=info.resource_type,
            type=dtype, created_ts=now, version=0, display_name=None, asset_folder=None)
        _store_bytes(res, data, info, now, filename)
        _apply_descriptive(emu, res, params, metadata, now)
        rendering.apply_upload_params(emu, res, params)
        store_access_control(res, access_rules)
        if params.get("moderation"):
            res.moderation_kind, res.moderation_status = params["moderation"], "pending"
            res.moderation_ts = now
        emu.store.add(res, notify=False)
    rendering.before_write(emu, res, params, action="upload")
    eager, pending = derivatives.eager(emu, res, params)
    found = _responsive_breakpoints(emu, res, breakpoint_settings)
    emu.store.changed()
    answer = {**upload_answer(res, emu.url, emu.cloud, emu.api_key), **pending}
    if eager:
        answer["eager"] = eager
    if found is not None:
        answer["responsive_breakpoints"] = found
    if existing is not None:
        answer["overwritten"] = True
    rendering.after_write(emu, res, params, answer)
    emu.notifier.emit("upload", dict(answer), url=params.get("notification_url"))
    return answer


def _store_bytes(res: Resource, data: bytes, info, now: float, filename: str) -> None:
    if res.version:
        res.versions.append({"version_id": res.version_id, "version": str(res.version),
                             "format": res.format, "size": res.bytes,
                             "time": res.uploaded_at, "restorable": False})
    res.version = max(int(now), res.version + 1)
    res.version_id = uuid.uuid4().hex
    res.data, res.bytes, res.etag = data, len(data), etag_of(data)
    res.format, res.width, res.height = info.format, info.width, info.height
    res.pages, res.duration = info.pages, info.duration
    res.uploaded_ts = res.updated_ts = now
    res.original_filename = filename.rsplit("/", 1)[-1].rsplit(".", 1)[0]


def _apply_descriptive(emu, res: Resource, params: dict, metadata: dict, now: float) -> None:
    if params.get("tags") is not None:
        res.tags, res.tags_ts = parse_tags(many(params, "tags")), now
    if params.get("context"):
        res.context, res.context_ts = parse_pipe_map(params["context"]), now
    if metadata:
        res.metadata = {k: v for k, v in {**res.metadata, **metadata}.items() if v is not None}
        res.metadata_ts = now
    if params.get("display_name"):
        res.display_name = params["display_name"]
    elif res.display_name is None:
        use_file = flag(params.get("use_filename_as_display_name", "0"))
        res.display_name = res.original_filename if use_file else res.public_id.split("/")[-1]
    folder = params.get("asset_folder") or params.get("folder")
    if folder is not None:
        res.asset_folder = folder.strip("/")
    elif res.asset_folder is None:
        res.asset_folder = ""


def explicit(emu, rt: str, params: dict, file) -> dict:
    """POST /<rt>/explicit: update tags/context/metadata/moderation, create eager derivations."""
    res = _existing(emu, rt, params, "public_id")
    metadata = coerce_metadata(emu.store, parse_pipe_map(params.get("metadata")))
    access_rules = parse_access_control(params.get("access_control"))
    breakpoint_settings = _breakpoint_settings(emu, params)
    with emu.store.lock:
        now = emu.store.now()
        _apply_descriptive(emu, res, params, metadata, now)
        rendering.apply_upload_params(emu, res, params)
        store_access_control(res, access_rules)
        if params.get("moderation"):
            res.moderation_kind, res.moderation_status = params["moderation"], "pending"
            res.moderation_ts = now
        res.updated_ts = now
    rendering.before_write(emu, res, params, action="explicit")
    eager, pending = derivatives.eager(emu, res, params)
    found = _responsive_breakpoints(emu, res, breakpoint_settings)
    emu.store.changed()
    answer = {**upload_answer(res, emu.url, emu.cloud, emu.api_key), **pending}
    if eager:
        answer["eager"] = eager
    if found is not None:
        answer["responsive_breakpoints"] = found
    return rendering.after_write(emu, res, params, answer)


def _breakpoint_settings(emu, params: dict) -> list[dict] | None:
    """``responsive_breakpoints`` validated (a 400 before anything changes), or None."""
    if not params.get("responsive_breakpoints"):
        return None
    found = breakpoints.parse_settings(params["responsive_breakpoints"])
    breakpoints.check(emu, found)
    return found


def _responsive_breakpoints(emu, res: Resource, found: list[dict] | None) -> list | None:
    if found is None:
        return None
    answer, keep = breakpoints.generate(emu, res, found)
    if keep:
        derivatives.store_derived(emu, res, keep)
    return answer


def _existing(emu, rt: str, params: dict, name: str) -> Resource:
    public_id = params.get(name)
    if not public_id:
        raise bad_request(f"Missing required parameter - {name}")
    res = emu.store.get(rt, params.get("type") or "upload", public_id)
    if res is None:
        raise not_found(public_id)
    return res


def destroy(emu, rt: str, params: dict, file) -> dict:
    """POST /<rt>/destroy → ``{"result": "ok" | "not found"}``."""
    res = emu.store.get(rt, params.get("type") or "upload", params.get("public_id", ""))
    if res is None:
        return {"result": "not found"}
    mutations.delete(emu, [res], url=params.get("notification_url"))
    return {"result": "ok"}


def rename(emu, rt: str, params: dict, file) -> dict:
    """POST /<rt>/rename (``overwrite`` replaces an existing target)."""
    res = _existing(emu, rt, params, "from_public_id")
    target = params.get("to_public_id")
    if not target:
        raise bad_request("Missing required parameter - to_public_id")
    to_type = params.get("to_type") or res.type
    clash = emu.store.get(rt, to_type, target)
    if clash is not None and clash is not res:
        if not flag(params.get("overwrite", "0")):
            raise bad_request(f"Resource already exists - {target}")
        mutations.delete(emu, [clash], url=params.get("notification_url"))
    mutations.rename(emu, res, target, to_type, url=params.get("notification_url"))
    if params.get("context"):
        ctx = parse_pipe_map(params["context"])
        mutations.set_context(emu, [res], lambda r: {**r.context, **ctx})
    if params.get("metadata"):
        mutations.merge_metadata(emu, [res], coerce_metadata(
            emu.store, parse_pipe_map(params["metadata"])))
    return upload_answer(res, emu.url, emu.cloud, emu.api_key)


def _targets(emu, rt: str, params: dict) -> list[Resource]:
    ids = many(params, "public_ids")
    if not ids:
        raise bad_request("Missing required parameter - public_ids")
    dtype = params.get("type") or "upload"
    return [res for res in (emu.store.get(rt, dtype, pid) for pid in ids) if res is not None]


def tags(emu, rt: str, params: dict, file) -> dict:
    """POST /<rt>/tags: add | remove | replace | remove_all | set_exclusive."""
    command = params.get("command")
    wanted = parse_tags(params.get("tag"))
    targets = _targets(emu, rt, params)
    rules = {
        "add": lambda r: set(r.tags) | set(wanted),
        "remove": lambda r: set(r.tags) - set(wanted),
        "replace": lambda r: wanted,
        "remove_all": lambda r: [],
        "set_exclusive": lambda r: set(r.tags) | set(wanted),
    }
    if command not in rules or (command != "remove_all" and not wanted):
        raise bad_request(f"Invalid tags command {command}")
    if command == "set_exclusive":
        others = [r for r in emu.store.find(rt, tags=wanted) if r not in targets]
        mutations.set_tags(emu, others, lambda r: set(r.tags) - set(wanted))
    mutations.set_tags(emu, targets, rules[command], url=params.get("notification_url"))
    return {"public_ids": [res.public_id for res in targets]}


def context(emu, rt: str, params: dict, file) -> dict:
    """POST /<rt>/context: add (merge) | remove_all."""
    command = params.get("command")
    targets = _targets(emu, rt, params)
    values = parse_pipe_map(params.get("context"))
    if command == "add":
        def rule(r):
            return ({**r.context, **values})
    elif command == "remove_all":
        def rule(r):
            return ({})
    else:
        raise bad_request(f"Invalid context command {command}")
    mutations.set_context(emu, targets, rule, url=params.get("notification_url"))
    return {"public_ids": [res.public_id for res in targets]}


def metadata(emu, rt: str, params: dict, file) -> dict:
    """POST /<rt>/metadata: set structured metadata on several assets."""
    updates = coerce_metadata(emu.store, parse_pipe_map(params.get("metadata")))
    targets = _targets(emu, rt, params)
    mutations.merge_metadata(emu, targets, updates, url=params.get("notification_url"))
    return {"public_ids": [res.public_id for res in targets]}


ACTIONS = {"upload": upload, "explicit": explicit, "destroy": destroy, "rename": rename,
           "tags": tags, "context": context, "metadata": metadata}


def handle(emu, rt: str, action: str, params: dict, file) -> dict:
    """Run ``action``; unknown actions are 404 like the real API."""
    handler = ACTIONS.get(action)
    if handler is None:
        raise ApiError(404, f"Unsupported action {action}")
    if rt not in ("image", "video", "raw", "auto") or (rt == "auto" and action != "upload"):
        raise bad_request(f"Invalid resource type {rt}")
    answer = handler(emu, rt, params, file)
    if "public_id" in answer and "version" in answer:
        answer["signature"] = response_signature(emu, answer["public_id"], answer["version"])
    return answer


def response_signature(emu, public_id: str, version) -> str:
    """What ``cloudinary.utils.verify_api_response_signature`` checks: ``api_sign_request``
    of ``public_id`` and ``version`` (signature version 1) with the account's algorithm."""
    algorithm = getattr(hashlib, getattr(emu, "signature_algorithm", "sha1"))
    to_sign = f"public_id={public_id}&version={version}{emu.api_secret}"
    return algorithm(to_sign.encode("utf-8")).hexdigest()
