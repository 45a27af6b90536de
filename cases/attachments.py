"""Case attachments: what a screenshot upload may be, and where it is kept.

Only images (PNG, JPEG, GIF, WebP — decoded by Pillow to prove it) and PDFs (by their
header) up to CASE_ATTACHMENT_MAX_BYTES. The file is stored under a random name with the
extension of its real type, outside every served folder (the storage has no URL): the
case page's download view is the only way back to it, and it always downloads.
"""

from __future__ import annotations

import os
import re
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage

IMAGE_TYPES = {"PNG": ("image/png", ".png"), "JPEG": ("image/jpeg", ".jpg"),
               "GIF": ("image/gif", ".gif"), "WEBP": ("image/webp", ".webp")}
PDF = ("application/pdf", ".pdf")
ACCEPT = ".png,.jpg,.jpeg,.gif,.webp,.pdf,image/png,image/jpeg,image/gif,image/webp,application/pdf"
MAX_PIXELS = 50_000_000  # a decompression bomb is refused, not decoded
UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")


class AttachmentStorage(FileSystemStorage):
    """The attachments folder (read from settings on each use, so tests can move it)."""

    @property
    def base_location(self):
        return settings.CASE_ATTACHMENTS_DIR

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None  # never served by URL: `url()` refuses


def attachment_storage() -> AttachmentStorage:
    return AttachmentStorage()


def _megabytes(size: int) -> str:
    from django.template.defaultfilters import filesizeformat

    return filesizeformat(size).replace("\xa0", " ")


def inspect_upload(upload) -> tuple[str, str]:
    """(content type, extension) of an acceptable upload; ValidationError saying why not."""
    limit = settings.CASE_ATTACHMENT_MAX_BYTES
    if not upload.size:
        raise ValidationError("The file is empty: choose the screenshot again.")
    if upload.size > limit:
        raise ValidationError(f"The file is {_megabytes(upload.size)}; an attachment can be "
                              f"at most {_megabytes(limit)}. Crop the screenshot or save it "
                              "as JPEG.")
    upload.seek(0)
    head = upload.read(5)
    upload.seek(0)
    if head == b"%PDF-":
        return PDF
    kind = _image_type(upload)
    upload.seek(0)
    if kind is None:
        raise ValidationError("Attach a screenshot (PNG, JPEG, GIF or WebP) or a PDF: this "
                              "file is none of these, or it is damaged.")
    return kind


def _image_type(upload) -> tuple[str, str] | None:
    from PIL import Image

    try:
        with Image.open(upload) as image:
            if image.width * image.height > MAX_PIXELS:
                return None
            fmt = image.format
            image.verify()
    except Exception:  # Pillow raises many kinds for a file that is not a sound image
        return None
    return IMAGE_TYPES.get(fmt or "")


def display_name(name: str, extension: str) -> str:
    """The uploader's file name, made safe to show and to offer as a download name."""
    base = UNSAFE_NAME.sub("", os.path.basename(name or "")).strip()[:100] or "attachment"
    stem, ext = os.path.splitext(base)
    if ext.lower() not in (extension, ".jpeg" if extension == ".jpg" else extension):
        base = f"{stem or 'attachment'}{extension}"
    return base


def storage_name(instance, filename: str) -> str:
    """A random name in the case's folder; the extension is the file's real type."""
    return f"{instance.case_id}/{uuid.uuid4().hex}{os.path.splitext(filename)[1].lower()}"
