"""Named transformations (Admin API), eager derivatives (Upload API) and strict transformations.

Named transformations live in ``store.named_transformations`` (name → definition, which the
delivery layer expands for ``t_<name>``) and ``store.transformation_flags`` (name →
``allowed_for_strict``). ``create``, ``get``, ``list``, ``update`` (``allowed_for_strict``,
``unsafe_update``) and ``delete`` follow the Admin API.

Eager derivatives are rendered for real (the delivery module's renderer): the answer and the
stored ``derived`` entries carry the true ``width``, ``height``, ``bytes`` and ``format``.
``eager_async`` answers ``{"status": "pending", "batch_id"}`` at once and renders on a thread,
then sends an ``eager`` notification to ``eager_notification_url`` (or the cloud's URL).
Every request is recorded in ``store.eager_requests`` (the emulator-only inspection endpoint
``GET /v1_1/<cloud>/_emulator/eager_requests``; see FIDELITY.md).

Strict transformations (``store.strict_transformations``): an unsigned delivery URL with a
transformation is refused (401, ``X-Cld-Error``) unless the derivative was generated already
(eager or earlier signed delivery) or every component is a named transformation
``allowed_for_strict``.
"""

from __future__ import annotations

import threading
import uuid

from . import rendering, transform
from .errors import ApiError, bad_request, not_found
from .media import inspect
from .params import flag, one
from .shapes import delivery_url
from .store import new_asset_id
from .timefmt import iso

_INFO_KEYS = {"w": "width", "h": "height", "c": "crop", "g": "gravity", "f": "fetch_format",
              "q": "quality", "b": "background", "ar": "aspect_ratio", "dpr": "dpr",
              "e": "effect", "fl": "flags", "x": "x", "y": "y", "t": "transformation"}
_pending = threading.Condition()
_running = [0]


def _check(emu, definition: str) -> None:
    try:
        transform.parse(definition, emu.store.named_transformation)
    except transform.TransformationError as exc:
        raise bad_request(str(exc)) from None


# -- named transformations ------------------------------------------------------------
def _name(params) -> str:
    raw = one(params, "transformation")
    if not raw:
        raise bad_request("Missing required parameter - transformation")
    return str(raw).removeprefix("t_")


def _info(definition: str) -> list[dict]:
    info = []
    for part in definition.split("/"):
        component = {}
        for item in filter(None, part.split(",")):
            key, _, value = item.partition("_")
            component[_INFO_KEYS.get(key, key)] = value
        info.append(component)
    return info


def _summary(emu, name: str) -> dict:
    flags = emu.store.transformation_flags.get(name, {})
    used = any(d.get("transformation") == f"t_{name}" for r in emu.store.all() for d in r.derived)
    return {"name": f"t_{name}", "allowed_for_strict": bool(flags.get("allowed_for_strict")),
            "used": used, "named": True}


def list_transformations(emu, params):
    """GET /transformations (``named`` is accepted: every stored one is named)."""
    names = sorted(emu.store.named_transformations)
    limit = int(one(params, "max_results", 10) or 10)
    cursor = one(params, "next_cursor")
    if cursor:
        names = [n for n in names if n > cursor]
    answer = {"transformations": [_summary(emu, n) for n in names[:limit]]}
    if len(names) > limit:
        answer["next_cursor"] = names[limit - 1]
    return answer


def get_transformation(emu, params):
    """GET /transformations?transformation=<name>: definition as ``info`` and its derivatives."""
    name = _name(params)
    definition = emu.store.named_transformation(name)
    if definition is None:
        raise not_found(f"Transformation {name}")
    derived = [{"public_id": r.public_id, "resource_type": r.resource_type, "type": r.type,
                "format": d.get("format"), "url": d.get("url"), "secure_url": d.get("url"),
                "bytes": d.get("bytes"), "id": d.get("id")}
               for r in emu.store.all() for d in r.derived
               if d.get("transformation") == f"t_{name}"]
    return {**_summary(emu, name), "info": _info(definition), "derived": derived}


def create_transformation(emu, params):
    """POST /transformations with ``name`` and ``transformation``; a taken name is 409."""
    name, definition = params.get("name"), params.get("transformation")
    if not name or not definition:
        raise bad_request("Must specify name and transformation")
    name = str(name).removeprefix("t_")
    _check(emu, str(definition))
    with emu.store.lock:
        if name in emu.store.named_transformations:
            raise ApiError(409, f"Transformation {name} already exists")
        emu.store.named_transformations[name] = str(definition)
        emu.store.transformation_flags[name] = {
            "allowed_for_strict": flag(params.get("allowed_for_strict", False))}
    emu.store.changed()
    return {"message": "created"}


def update_transformation(emu, params):
    """PUT /transformations: ``allowed_for_strict`` and/or ``unsafe_update`` (a new
    definition for newly generated derivatives; existing derived copies stay)."""
    name = _name(params)
    with emu.store.lock:
        if name not in emu.store.named_transformations:
            raise not_found(f"Transformation {name}")
        flags = emu.store.transformation_flags.setdefault(name, {})
        if "allowed_for_strict" in params:
            flags["allowed_for_strict"] = flag(params["allowed_for_strict"])
        if params.get("unsafe_update"):
            definition = str(params["unsafe_update"])
            _check(emu, definition)
            emu.store.named_transformations[name] = definition
    emu.store.changed()
    return {"message": "updated"}


def delete_transformation(emu, params):
    """DELETE /transformations?transformation=<name>: the named transformation and, as
    Cloudinary documents ("delete both the transformation and its derivatives in one go"),
    every derived image generated with it (each asset's stored ``derived``).

    ``invalidate=true`` (the Admin API's optional parameter; the Python SDK's
    ``delete_transformation`` does not send it) also purges those derivatives from the CDN's
    cache, one invalidation record each (``reason: delete_transformation``). Without it
    nothing is recorded as purged (Cloudinary's CDN may keep a cached copy until
    invalidated; here any URL through the deleted name is a 400, cached or not)."""
    name = _name(params)
    transformation = f"t_{name}"
    with emu.store.lock:
        if emu.store.named_transformations.pop(name, None) is None:
            raise not_found(f"Transformation {name}")
        emu.store.transformation_flags.pop(name, None)
        touched = []
        for res in emu.store.all():
            gone = [d for d in res.derived if d.get("transformation") == transformation]
            if gone:
                res.derived = [d for d in res.derived if d not in gone]
            touched.append((res, gone))
    if flag(params.get("invalidate", False)):
        cache = rendering.state(emu.store)
        for res, gone in touched:
            wanted = sorted({(transformation, d.get("format") or "") for d in gone}
                            | cache.cached_formats(res, transformation))
            if wanted:
                cache.purge_derived(res, wanted, reason="delete_transformation")
    emu.store.changed()
    return {"message": "deleted"}


def route(method: str, rest: list[str]):
    """Routes for ``/transformations`` (the SDK sends the name as a parameter)."""
    if rest:
        return None
    handler = {"GET": None, "POST": create_transformation, "PUT": update_transformation,
               "DELETE": delete_transformation}.get(method)
    if method == "GET":
        return "transformations", _get_or_list, []
    return (f"transformations.{method.lower()}", handler, []) if handler else None


def _get_or_list(emu, params):
    return get_transformation(emu, params) if params.get("transformation") \
        else list_transformations(emu, params)


# -- eager derivatives ----------------------------------------------------------------
def split_spec(spec: str, original: str) -> tuple[str, str]:
    """``"c_fill,w_1200/jpg"`` → ``("c_fill,w_1200", "jpg")``; no extension: the original's."""
    parts = spec.split("/")
    if len(parts) > 1 and "_" not in parts[-1]:
        return "/".join(parts[:-1]), parts[-1] or original
    return spec, original


def _render_one(emu, res, spec: str) -> dict:
    transformation, fmt = split_spec(spec, res.format or "")
    body, fmt = emu.delivery().render(res, transformation, fmt)
    info = inspect(body, res.resource_type, f"x.{fmt}")
    rendering.remember_derivative(emu, res, transformation, fmt, body, info.width, info.height)
    url = delivery_url(emu.url, emu.cloud, res).replace(
        f"/{res.type}/", f"/{res.type}/{transformation}/", 1)
    if res.format and fmt != res.format:
        url = url[: -len(res.format)] + fmt
    return {"transformation": transformation, "format": fmt, "bytes": len(body),
            "width": info.width, "height": info.height,
            "id": new_asset_id(res.asset_id + spec + str(res.version)),
            "url": url, "secure_url": url}


def store_derived(emu, res, entries: list[dict]) -> None:
    """Keep `entries` in the resource's ``derived`` (replacing same transformations)."""
    with emu.store.lock:
        names = {e["transformation"] for e in entries}
        res.derived = [d for d in res.derived if d["transformation"] not in names] + entries


def _public(entries: list[dict]) -> list[dict]:
    return [{k: v for k, v in e.items() if k != "id"} for e in entries]


def eager(emu, res, params: dict) -> tuple[list[dict] | None, dict]:
    """Handle the ``eager`` parameter of upload/explicit: ``(sync entries | None, extra)``.

    A bad transformation is a 400 before anything is stored.
    """
    specs = [s for s in (params.get("eager") or "").split("|") if s]
    if not specs:
        return None, {}
    for spec in specs:
        _check(emu, split_spec(spec, "")[0])
    record = {"public_id": res.public_id, "resource_type": res.resource_type, "type": res.type,
              "eager": specs, "eager_async": flag(params.get("eager_async", "0")),
              "eager_notification_url": params.get("eager_notification_url"),
              "batch_id": uuid.uuid4().hex, "requested_at": iso(emu.store.now()),
              "status": "pending"}
    with emu.store.lock:
        emu.store.eager_requests.append(record)
    if not record["eager_async"]:
        entries = [_render_one(emu, res, s) for s in specs]
        store_derived(emu, res, entries)
        record["status"] = "processed"
        return _public(entries), {}
    with _pending:
        _running[0] += 1
    threading.Thread(target=_run_async, args=(emu, res, specs, record), daemon=True,
                     name="cld-eager").start()
    return None, {"status": "pending", "batch_id": record["batch_id"]}


def _run_async(emu, res, specs, record) -> None:
    try:
        entries = [_render_one(emu, res, s) for s in specs]
        store_derived(emu, res, entries)
        emu.store.changed()
        record["status"] = "processed"
        emu.notifier.emit("eager", {
            "batch_id": record["batch_id"], "asset_id": res.asset_id,
            "public_id": res.public_id, "resource_type": res.resource_type, "type": res.type,
            "version": res.version, "eager": _public(entries)},
            url=record["eager_notification_url"])
    except Exception as exc:  # the real service reports failures in the notification too
        record["status"] = "failed"
        record["error"] = str(exc)
    finally:
        with _pending:
            _running[0] -= 1
            _pending.notify_all()


def wait_idle(timeout: float = 10.0) -> bool:
    """Block until every async eager job finished (tests)."""
    with _pending:
        return _pending.wait_for(lambda: _running[0] == 0, timeout)


# -- strict transformations -----------------------------------------------------------
def strict_refusal(store, res, transformation: str, signed: bool) -> str | None:
    """Why the CDN refuses an unsigned derived URL under strict transformations, or None."""
    if not store.strict_transformations or signed or not transformation:
        return None
    if any(d.get("transformation") == transformation for d in res.derived):
        return None
    parts = [p for c in transformation.split("/") for p in c.split(",")]
    named = [p.removeprefix("t_") for p in parts if p.startswith("t_")]
    if len(named) == len(parts) and all(
            store.transformation_flags.get(n, {}).get("allowed_for_strict") for n in named):
        return None
    return "Transformation not allowed (strict transformations are enabled)"
