"""A real Cloudinary emulator on a free port, with the portal's SDK configured for it."""

from contextlib import contextmanager

import pytest

TOKEN_KEY = "a1b2c3d4e5f60718293a4b5c6d7e8f90"


@contextmanager
def _emulated_cloud(settings, **options):
    from assets import cloudinary as portal_cloudinary
    from emulators.cloudinary import CloudinaryEmulator

    emu = CloudinaryEmulator(cloud="portal-test", api_key="test_key",
                             api_secret="test_secret", seed="empty", **options).start()
    settings.CLOUDINARY_URL = emu.cloudinary_url
    portal_cloudinary.configure(emu.cloudinary_url)
    try:
        yield emu
    finally:
        emu.stop()
        portal_cloudinary.configure(settings.CLOUDINARY_URL)


@pytest.fixture
def cloudinary_emulator(settings):
    """An empty emulated cloud; the portal's settings and SDK point at it.

    `emulator.seed_bulk(n)` adds synthetic assets; uploads go through the real SDK.
    """
    with _emulated_cloud(settings) as emu:
        yield emu


@pytest.fixture
def protected_cloud(settings):
    """The recommended configuration: token-based access on the emulated cloud and in the
    portal (CLOUDINARY_AUTH_TOKEN_KEY), masters restricted with access_control."""
    settings.CLOUDINARY_AUTH_TOKEN_KEY = TOKEN_KEY
    settings.CLOUDINARY_RESTRICT_MASTERS = True
    with _emulated_cloud(settings, auth_token_key=TOKEN_KEY) as emu:
        yield emu
