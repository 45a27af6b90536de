"""The delivery side of the Cloudinary emulator: CDN URLs, signed downloads and ZIP archives.

`Delivery.serve` answers ``/<cloud>/<resource_type>/<type>/[s--SIG--/][transformations/]
[v<version>/]<public_id>.<ext>`` exactly as ``cloudinary.utils.cloudinary_url`` builds it
(``iu/`` short form included). `Delivery.download` and `Delivery.archive` answer the signed,
expiring API links of ``private_download_url`` and ``download_zip_url`` /
``download_archive_url``. Every method returns ``(status, headers, body)``; the HTTP server
only copies them onto the wire.

Behaviour worth knowing (chosen from the SDK and Cloudinary's documentation):

* URL signatures: ``s--`` + the first 8 (SHA-1, or SHA-256 when so configured) or 32
  (``long_url_signature``: SHA-256) characters of urlsafe-base64(hash(``<transformation>/
  <public_id>.<ext>`` + secret)) + ``--``; version and type are not signed. They are checked
  on any URL that carries one; which URLs need one (or a ``__cld_token__`` instead) is decided
  by :class:`.access.DeliveryGate` (``authenticated`` assets, ``private`` originals,
  ``access_control``-restricted assets: see ACCESS.md). A CDN
  error is a bodyless-in-spirit response with the reason in ``X-Cld-Error``: 403 for a missing
  or wrong signature, 404 for an unknown asset, 400 for a bad transformation.
* API links: ``api_key`` must match; the signature is the SDK's ``api_sign_request`` over every
  parameter but ``signature, api_key, resource_type, cloud_name, file`` (lists comma-joined,
  empty values dropped), hex SHA-1 or SHA-256 (told apart by length), signature version 2 or
  the legacy version 1. A link expires at ``expires_at``, or one hour after ``timestamp``
  without it. Errors are ``{"error": {"message": ...}}``: 401 for key or signature, 403 for
  an expired link, 404 when nothing is found.
* Archives honour ``allow_missing`` like Cloudinary: a requested public id that does not exist
  is an error unless ``allow_missing`` is true, in which case it is skipped.
* Videos are trimmed, resized and re-encoded by ``video.py`` (ffmpeg); raw files are
  delivered as stored and transformations on them are ignored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import mimetypes
import posixpath
import re
import time
import zipfile
from dataclasses import dataclass
from urllib.parse import unquote

from . import rendering, transform
from .access import AccessDenied, DeliveryGate, DeliveryRequest
from .derivatives import strict_refusal

CACHE_CONTROL = "public, max-age=2592000"
SIGNED_TYPES = frozenset({"authenticated", "private"})
UNSIGNED_API_PARAMS = frozenset({"signature", "api_key", "resource_type", "cloud_name", "file"})
LINK_LIFETIME = 3600  # seconds a link without expires_at stays valid
_SIGNATURE = re.compile(r"^s--([A-Za-z0-9_-]{8,32})--$")
_VERSION = re.compile(r"^v\d+$")
_TRANSFORMATION_PART = re.compile(r"^(\$[A-Za-z0-9]+|[a-z]{1,3})_\S+$")
_UNSAFE = re.compile(rb"([^a-zA-Z0-9_.\-/:]+)")

Response = tuple[int, dict[str, str], bytes]


class DeliveryError(Exception):
    """A request the emulator refuses, with the HTTP status and Cloudinary's wording."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class DeliveryPath:
    """The parts of a delivery URL path."""

    resource_type: str
    type: str
    signature: str | None
    transformation: str
    version: str | None
    source: str  # public id plus extension, unescaped


def smart_escape(text: str) -> str:
    """Percent-encode like the SDK's ``smart_escape`` (keeps ``/`` and ``:``)."""
    return _UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group(1)).encode(),
                       text.encode()).decode()


def parse_delivery_path(path: str, cloud_name: str) -> DeliveryPath:
    """Split ``/<cloud>/<rt>/<type>/...`` into its parts (404 when it is not a delivery URL)."""
    segments = path.split("?", 1)[0].strip("/").split("/")
    if len(segments) < 3 or segments[0] != cloud_name:
        raise DeliveryError(404, "Resource not found")
    if segments[1] == "iu":
        resource_type, delivery_type, rest = "image", "upload", segments[2:]
    else:
        resource_type, delivery_type, rest = segments[1], segments[2], segments[3:]
    signature = None
    if rest and (match := _SIGNATURE.match(rest[0])):
        signature, rest = match.group(1), rest[1:]
    transformations = []
    while len(rest) > 1 and _is_transformation(unquote(rest[0])):
        transformations.append(unquote(rest.pop(0)))
    version = rest.pop(0) if len(rest) > 1 and _VERSION.match(rest[0]) else None
    source = unquote("/".join(rest))
    if not source:
        raise DeliveryError(404, "Resource not found")
    return DeliveryPath(resource_type, delivery_type, signature, "/".join(transformations),
                        version, source)


def _is_transformation(segment: str) -> bool:
    return all(_TRANSFORMATION_PART.match(part) for part in segment.split(","))


def url_signatures(to_sign: str, secret: str, length: int) -> list[str]:
    """Every signature the SDK could have produced for `to_sign` at this length."""
    algorithms = [hashlib.sha256] if length == 32 else [hashlib.sha1, hashlib.sha256]
    return [base64.urlsafe_b64encode(algo((to_sign + secret).encode()).digest())[:length].decode()
            for algo in algorithms]


def api_string_to_sign(params: dict[str, str | list[str]], version: int = 2) -> str:
    """The SDK's ``api_string_to_sign``: sorted ``k=v`` pairs joined by ``&``."""
    pairs = []
    for key, value in params.items():
        text = ",".join(value) if isinstance(value, list) else value
        if key in UNSIGNED_API_PARAMS or not text:
            continue
        pair = f"{key}={text}"
        pairs.append(pair.replace("&", "%26") if version >= 2 else pair)
    return "&".join(sorted(pairs))


def flatten_query(query: dict[str, list[str]]) -> dict[str, str | list[str]]:
    """``{"public_ids[]": ["a", "b"], "mode": ["download"]}`` -> lists for ``[]`` keys only."""
    flat: dict[str, str | list[str]] = {}
    for key, values in query.items():
        if key.endswith("[]"):
            flat[key[:-2]] = list(values)
        elif values:
            flat[key] = values[-1]
    return flat


def _truthy(value) -> bool:
    return str(value).lower() in ("1", "true")


def _as_list(value) -> list[str]:
    if not value:
        return []
    return value if isinstance(value, list) else value.split(",")


def _etag(body: bytes) -> str:
    return '"' + hashlib.md5(body).hexdigest() + '"'  # noqa: S324 - an ETag, not security


def _guess_type(fmt: str) -> str:
    return (transform.content_type(fmt) or mimetypes.guess_type("x." + fmt)[0]
            or "application/octet-stream")


class Delivery:
    """Serves one cloud's stored assets as Cloudinary's CDN and download endpoints do."""

    def __init__(self, store, cloud_name: str, api_key: str, api_secret: str,
                 auth_token_key: str | None = None):
        self.store = store
        self.cloud_name = cloud_name
        self.api_key = api_key
        self.api_secret = api_secret
        self.gate = DeliveryGate(cloud_name, auth_token_key)  # tokens, access_control

    # ------------------------------------------------------------------ CDN URLs

    def serve(self, path: str, query: dict[str, list[str]],
              request: DeliveryRequest | None = None) -> Response:
        """GET /<cloud>/<resource_type>/<type>/[s--SIG--/][transformations/][v<n>/]<id>.<ext>

        `request` carries the raw path, token and client address (see :mod:`.access`).
        """
        request = request or DeliveryRequest(path)
        try:
            parsed = parse_delivery_path(path, self.cloud_name)
            signed = self._check_url_signature(parsed)
            self.gate.before_lookup(parsed.type, signed, request)
            resource, requested = self._lookup(parsed)
            derived = bool(parsed.transformation) or not _same_format(
                requested or resource.format or "", resource.format or "")
            self.gate.after_lookup(resource, derived, signed, request)
            refusal = strict_refusal(self.store, resource, parsed.transformation, signed)
            if refusal:
                raise DeliveryError(401, refusal)
            body, fmt, headers = self._cached_render(parsed, resource, requested, request)
        except (DeliveryError, AccessDenied, transform.TransformationError) as error:
            return self._cdn_error(error)
        if "fl_attachment" in parsed.transformation:
            headers["Content-Disposition"] = self._disposition(
                resource, fmt, _attachment_name(parsed.transformation))
        return 200, headers, body

    def _check_url_signature(self, parsed: DeliveryPath) -> bool:
        """True for a valid ``s--SIG--``, False without one; a wrong one is refused.

        Which types need a signature (or a token instead) is :class:`.access.DeliveryGate`'s.
        """
        if parsed.signature is None:
            return False
        to_sign = "/".join(filter(None, [parsed.transformation, smart_escape(parsed.source)]))
        expected = url_signatures(to_sign, self.api_secret, len(parsed.signature))
        if not any(hmac.compare_digest(parsed.signature, sig) for sig in expected):
            raise DeliveryError(403, "Invalid signature")
        return True

    def _lookup(self, parsed: DeliveryPath):
        """The stored resource and the extension asked for (None: the original format)."""
        stem, dot, ext = parsed.source.rpartition(".")
        candidates = [(stem, ext)] if dot and "/" not in ext else []
        if parsed.resource_type == "raw":
            candidates.insert(0, (parsed.source, None))
        else:
            candidates.append((parsed.source, None))
        for public_id, requested in candidates:
            resource = self.store.get(parsed.resource_type, parsed.type, public_id)
            if resource is not None:
                return resource, requested
        raise DeliveryError(404, f"Resource not found - {stem if dot else parsed.source}")

    def _cached_render(self, parsed: DeliveryPath, resource, requested, request):
        """Render through the derived-image cache of :mod:`.rendering` (images with a
        transformation only): a derivative stays as rendered until regenerated or purged."""
        accept = getattr(request, "accept", None)
        if resource.resource_type != "image" or not parsed.transformation:
            body, fmt = self.render(resource, parsed.transformation, requested, accept=accept)
            return body, fmt, self._media_headers(body, fmt)
        components = transform.parse(parsed.transformation, self.store.named_transformation)
        fmt = transform.output_format(components, requested, (resource.format or "").lower(),
                                      accept)
        cache = rendering.state(self.store)
        key = rendering.cache_key(resource, parsed.transformation, fmt)
        hit = cache.get(rendering.cache_owner(resource), key)
        if hit is not None:
            return hit[3], fmt, dict(hit[2])
        body, fmt = self.render(resource, parsed.transformation, requested, accept=accept)
        headers = self._media_headers(body, fmt)
        path = f"/{self.cloud_name}/{parsed.resource_type}/{parsed.type}/" \
               f"{parsed.transformation}/{parsed.source}"
        cache.put(rendering.cache_owner(resource), key, (path, 200, headers, body))
        return body, fmt, dict(headers)

    def media_headers(self, body: bytes, fmt: str) -> dict[str, str]:
        """The CDN headers of a delivered body (used by :mod:`.rendering`)."""
        return self._media_headers(body, fmt)

    def render(self, resource, transformation: str, requested: str | None,
               accept: str | None = None) -> tuple[bytes, str]:
        """The delivered bytes and their format for a resource, transformation and extension.

        Images are transformed (or passed through when nothing changes), videos are rendered by
        ``video.py``; raw files are delivered as stored. `accept` (the request's Accept
        header) decides what ``f_auto`` delivers.
        """
        original = (resource.format or "").lower()
        if resource.resource_type == "video":  # trims, sizes, formats, posters: video.py
            from . import video

            return video.render(resource.data, original, transformation, requested,
                                (resource.width, resource.height), resource.duration,
                                self.store.named_transformation, cache_key=resource.etag)
        if resource.resource_type != "image":
            stored_ext = posixpath.splitext(resource.public_id)[1].lstrip(".")
            return resource.data, requested or original or stored_ext
        components = transform.parse(transformation, self.store.named_transformation)
        fmt = transform.output_format(components, requested, original, accept)
        if not components and _same_format(fmt, original):
            return resource.data, original
        return transform.render(resource.data, original, components, fmt,
                                rendering.focus_box(resource)), fmt

    @staticmethod
    def _media_headers(body: bytes, fmt: str) -> dict[str, str]:
        return {
            "Content-Type": _guess_type(fmt),
            "Content-Length": str(len(body)),
            "ETag": _etag(body),
            "Cache-Control": CACHE_CONTROL,
            "Access-Control-Allow-Origin": "*",
        }

    @staticmethod
    def _disposition(resource, fmt: str | None, name: str = "") -> str:
        """``attachment``; ``fl_attachment:<name>`` names the file ``<name>.<ext>``."""
        if name:
            return f'attachment; filename="{name}.{fmt or resource.format}"'
        name = posixpath.basename(resource.public_id)
        if resource.resource_type != "raw":
            name = f"{name}.{fmt or resource.format}"
        return f'attachment; filename="{name}"'

    @staticmethod
    def _cdn_error(error: DeliveryError | AccessDenied | transform.TransformationError
                   ) -> Response:
        status = getattr(error, "status", 400)
        message = str(error)
        headers = {"X-Cld-Error": message, "Content-Type": "text/plain; charset=utf-8",
                   "Cache-Control": "no-cache"}
        return status, headers, message.encode()

    # ------------------------------------------------------------------ signed API links

    def download(self, resource_type: str, params: dict[str, list[str]]) -> Response:
        """GET /v1_1/<cloud>/<rt>/download?... from ``private_download_url``."""
        try:
            flat = self._authenticate(params)
            public_id = flat.get("public_id") or _missing("public_id")
            resource = self.store.get(resource_type, flat.get("type") or "upload", public_id)
            if resource is None:
                raise DeliveryError(404, f"Resource not found - {public_id}")
            requested = flat.get("format") or None
            body, fmt = self.render(resource, flat.get("transformation", ""), requested)
        except (DeliveryError, transform.TransformationError) as error:
            return self._api_error(error)
        headers = self._media_headers(body, fmt)
        headers["Cache-Control"] = "private, no-store"
        if _truthy(flat.get("attachment")):
            headers["Content-Disposition"] = self._disposition(resource, fmt)
        return 200, headers, body

    def archive(self, resource_type: str, params: dict[str, list[str]]) -> Response:
        """GET /v1_1/<cloud>/<rt>/generate_archive?mode=download&... (download_zip_url)."""
        try:
            flat = self._authenticate(params)
            if flat.get("mode") != "download":
                raise DeliveryError(400, "Only mode=download can be requested with GET")
            if (flat.get("target_format") or "zip") != "zip":
                raise DeliveryError(400, f"Unsupported target_format {flat['target_format']}")
            resources = self._archive_selection(resource_type, flat)
            body = self._zip(resources, flat)
        except (DeliveryError, transform.TransformationError) as error:
            return self._api_error(error)
        name = flat.get("target_public_id") or "download"
        headers = {"Content-Type": "application/zip", "Content-Length": str(len(body)),
                   "Content-Disposition": f'attachment; filename="{name}.zip"',
                   "Cache-Control": "private, no-store"}
        return 200, headers, body

    def _authenticate(self, params: dict[str, list[str]]) -> dict[str, str | list[str]]:
        """Check key, signature and expiry of an API link; returns the flattened params."""
        flat = flatten_query(params)
        if flat.get("api_key") != self.api_key:
            raise DeliveryError(401, f"Unknown API key {flat.get('api_key', '')}".strip())
        signature = flat.get("signature") or _missing("signature", 401)
        timestamp = flat.get("timestamp") or _missing("timestamp")
        if not any(self._signature_matches(signature, flat, v) for v in (2, 1)):
            raise DeliveryError(401, f"Invalid Signature {signature}. "
                                     f"String to sign - '{api_string_to_sign(flat)}'.")
        try:
            deadline = int(flat.get("expires_at") or int(timestamp) + LINK_LIFETIME)
        except ValueError:
            raise DeliveryError(400, "Invalid timestamp or expires_at")
        if time.time() > deadline:
            raise DeliveryError(403, f"Expired URL - expires_at {deadline} has passed")
        return flat

    def _signature_matches(self, signature: str, flat: dict, version: int) -> bool:
        algorithm = hashlib.sha256 if len(signature) == 64 else hashlib.sha1
        payload = api_string_to_sign(flat, version) + self.api_secret
        return hmac.compare_digest(signature, algorithm(payload.encode()).hexdigest())

    @staticmethod
    def _api_error(error: DeliveryError | transform.TransformationError) -> Response:
        status = getattr(error, "status", 400)
        body = json.dumps({"error": {"message": str(error)}}).encode()
        return status, {"Content-Type": "application/json; charset=utf-8",
                        "X-Cld-Error": str(error), "Content-Length": str(len(body))}, body

    # ------------------------------------------------------------------ archives

    def _archive_selection(self, resource_type: str, flat: dict) -> list:
        """Resources named by public_ids, prefixes, tags or (resource type ``auto``) fully
        qualified public ids ``<rt>/<type>/<public_id>`` (union, in store order)."""
        rt = None if resource_type in ("all", "auto") else resource_type
        delivery_type = flat.get("type") or "upload"
        public_ids = list(_as_list(flat.get("public_ids")))
        prefixes = _as_list(flat.get("prefixes"))
        tags = _as_list(flat.get("tags"))
        qualified = _as_list(flat.get("fully_qualified_public_ids"))
        if qualified and resource_type != "auto":
            raise DeliveryError(400, "fully_qualified_public_ids requires resource_type auto")
        if not (public_ids or prefixes or tags or qualified):
            raise DeliveryError(400, "Must supply public_ids, prefixes or tags")
        found: dict[tuple, object] = {}
        for name in qualified:
            parts = name.split("/", 2)
            if len(parts) < 3:
                raise DeliveryError(400, f"Invalid fully qualified public id {name}")
            resource = self.store.get(*parts)
            if resource is None:
                public_ids.append(name)  # reported as missing below
                continue
            found.setdefault((resource.resource_type, resource.type, resource.public_id),
                             resource)
        for criterion in ({"public_ids": public_ids}, {"prefixes": prefixes}, {"tags": tags}):
            if next(iter(criterion.values())):
                matches = self.store.find(resource_type=rt, delivery_type=delivery_type,
                                          **criterion)
                for res in matches:
                    found.setdefault((res.resource_type, res.type, res.public_id), res)
        known = {key[2] for key in found} | {"/".join(key) for key in found}
        missing = sorted(set(public_ids) - known)
        if missing and not _truthy(flat.get("allow_missing")):
            raise DeliveryError(404, f"Resource not found - {', '.join(missing)}")
        if not found:
            raise DeliveryError(404, "No resources found")
        return list(found.values())

    def _zip(self, resources: list, flat: dict) -> bytes:
        """A ZIP of the originals, or of each requested derived version."""
        eagers = flat["transformations"].split("|") if flat.get("transformations") else [None]
        names: set[str] = set()
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for resource in resources:
                # only images have derived versions; videos and raw files go in once, as stored
                for eager in eagers if resource.resource_type == "image" else [None]:
                    data, name = self._archive_entry(resource, eager, flat)
                    archive.writestr(_unique(name, names), data)
        return out.getvalue()

    def _archive_entry(self, resource, eager: str | None, flat: dict) -> tuple[bytes, str]:
        """Bytes and file name of one archive entry (`eager`: ``c_fill,w_100/png`` or None)."""
        public_id = resource.public_id
        if _truthy(flat.get("use_original_filename")) and resource.original_filename:
            # "the original filenames of the assets ... instead of public IDs (when
            # available)"; a raw file's keeps its public id's extension
            ext = posixpath.splitext(public_id)[1] if resource.resource_type == "raw" else ""
            public_id = resource.original_filename + ext
        elif _truthy(flat.get("flatten_folders")):
            public_id = posixpath.basename(public_id)
        if resource.resource_type == "raw":
            return resource.data, public_id
        transformation, requested = _split_eager(eager or "")
        data, fmt = self.render(resource, transformation, requested)
        if transformation and not _truthy(flat.get("skip_transformation_name")):
            public_id = f"{public_id}_{transformation.replace('/', '_')}"
        return data, f"{public_id}.{fmt}"


def _attachment_name(transformation: str) -> str:
    """The file name of ``fl_attachment:<name>`` (flags may be joined with ``.``)."""
    for match in re.finditer(r"(?:^|[,/])fl_([^,/]+)", transformation):
        for flag in match.group(1).split("."):
            if flag.startswith("attachment:"):
                return re.sub(r"[^\w\-]", "_", flag.split(":", 1)[1])
    return ""


def _split_eager(eager: str) -> tuple[str, str | None]:
    """``c_fill,w_100/png`` -> (``c_fill,w_100``, ``png``); a trailing ``/`` keeps the format."""
    transformation, slash, last = eager.rpartition("/")
    if slash and "_" not in last:
        return transformation, last or None
    return eager, None


def _unique(name: str, taken: set[str]) -> str:
    """`name`, or `name` with a number added before the extension when already used."""
    stem, dot, ext = name.rpartition(".")
    candidate, number = name, 0
    while candidate in taken:
        number += 1
        candidate = f"{stem}_{number}{dot}{ext}" if dot else f"{name}_{number}"
    taken.add(candidate)
    return candidate


def _same_format(fmt: str, original: str) -> bool:
    aliases = {"jpeg": "jpg", "jpe": "jpg", "tif": "tiff"}
    return aliases.get(fmt, fmt) == aliases.get(original, original)


def _missing(name: str, status: int = 400):
    raise DeliveryError(status, f"Missing required parameter - {name}")
