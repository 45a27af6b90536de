"""Upload API request decoding and signature checks, mirroring ``cloudinary.utils``.

The SDK signs every sent parameter except ``file, cloud_name, resource_type, api_key,
signature`` (and, for the tags/context/metadata commands, ``notification_url`` and
``batch_id``); empty values are skipped, lists are comma-joined, ``k=v`` pairs are sorted and
joined with ``&`` (signature version 2 writes ``&`` inside values as ``%26``), the secret is
appended and the result hashed (SHA-1, or SHA-256 when configured).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from email import policy
from email.parser import BytesParser
from urllib.parse import parse_qs

from .errors import ApiError, bad_request

NEVER_SIGNED = {"file", "cloud_name", "resource_type", "api_key", "signature"}
NON_SIGNABLE_NOTIFICATION = {"notification_url", "batch_id"}
STALE_AFTER = 3600


def parse_form(content_type: str, body: bytes) -> tuple[dict, tuple[str, bytes] | None]:
    """Multipart or urlencoded form → ``(params, file)``; ``key[]`` fields become lists.

    ``file`` is ``(filename, bytes)`` when sent as a file part; a text ``file`` field (URL or
    data URI) stays in ``params["file"]``.
    """
    params: dict = {}
    upload = None
    if content_type.startswith("multipart/"):
        head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
        message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            filename = part.get_filename()
            if name == "file" and filename is not None:
                upload = (filename, payload)
            else:
                _put(params, name, payload.decode("utf-8", "replace"))
    else:
        for name, values in parse_qs(body.decode("utf-8"), keep_blank_values=True).items():
            for value in values:
                _put(params, name, value)
    return params, upload


def _put(params: dict, name: str | None, value: str) -> None:
    if not name:
        return
    if name.endswith("[]"):
        params.setdefault(name[:-2], []).append(value)
    else:
        params[name] = value


def string_to_sign(params: dict, excluded: set[str], version: int = 2) -> str:
    """The string the SDK signs for ``params`` (see module docstring)."""
    pairs = []
    for key, value in params.items():
        if key in excluded or not value:
            continue
        text = ",".join(value) if isinstance(value, list) else str(value)
        pair = f"{key}={text}"
        pairs.append(pair.replace("&", "%26") if version >= 2 else pair)
    return "&".join(sorted(pairs))


def _digest(text: str, secret: str, algorithm: str) -> str:
    return hashlib.new(algorithm, (text + secret).encode("utf-8")).hexdigest()


def check(params: dict, action: str, api_key: str, api_secret: str, *,
          allow_unsigned: bool = False) -> None:
    """Authenticate an Upload API call or raise the error Cloudinary answers with."""
    if allow_unsigned and "signature" not in params and params.get("upload_preset"):
        return
    if params.get("api_key") != api_key:
        if not params.get("api_key"):
            raise bad_request("Must supply api_key")
        raise ApiError(401, f"Unknown API key {params.get('api_key')}")
    timestamp = params.get("timestamp")
    if not timestamp:
        raise bad_request("Missing required parameter - timestamp")
    signature = str(params.get("signature", ""))
    algorithm = "sha256" if len(signature) == 64 else "sha1"
    excluded_sets = [NEVER_SIGNED]
    if action in ("tags", "context", "metadata"):
        excluded_sets.insert(0, NEVER_SIGNED | NON_SIGNABLE_NOTIFICATION)
    for excluded in excluded_sets:
        for version in (2, 1):
            expected = _digest(string_to_sign(params, excluded, version), api_secret, algorithm)
            if hmac.compare_digest(expected, signature):
                _check_fresh(timestamp)
                return
    to_sign = string_to_sign(params, excluded_sets[0])
    raise ApiError(401, f"Invalid Signature {signature}. String to sign - '{to_sign}'.")


def _check_fresh(timestamp: str) -> None:
    try:
        reported = int(timestamp)
    except ValueError:
        raise bad_request(f"Invalid timestamp {timestamp}") from None
    if reported < time.time() - STALE_AFTER:
        when = time.strftime("%Y-%m-%d %H:%M:%S +0000", time.gmtime(reported))
        raise bad_request(
            f"Stale request - reported time is {when} which is more than 1 hour ago")
