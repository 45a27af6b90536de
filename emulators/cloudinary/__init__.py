"""A faithful local Cloudinary for development and tests (stdlib HTTP server + Pillow).

Start one in-process with :class:`CloudinaryEmulator` or from the shell with
``python -m emulators.cloudinary``. The unmodified ``cloudinary`` SDK talks to it through
``CLOUDINARY_URL=cloudinary://KEY:SECRET@CLOUD?upload_prefix=http://127.0.0.1:PORT``.
"""

from .emulator import CloudinaryEmulator
from .faults import Faults

__all__ = ["CloudinaryEmulator", "Faults"]
