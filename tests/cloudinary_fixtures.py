"""A real Cloudinary emulator on a free port, with the portal's SDK configured for it."""

import pytest


@pytest.fixture
def cloudinary_emulator(settings):
    """An empty emulated cloud; the portal's settings and SDK point at it.

    `emulator.seed_bulk(n)` adds synthetic assets; uploads go through the real SDK.
    """
    from assets import cloudinary as portal_cloudinary
    from emulators.cloudinary import CloudinaryEmulator

    emu = CloudinaryEmulator(cloud="portal-test", api_key="test_key",
                             api_secret="test_secret", seed="empty").start()
    settings.CLOUDINARY_URL = emu.cloudinary_url
    portal_cloudinary.configure(emu.cloudinary_url)
    try:
        yield emu
    finally:
        emu.stop()
        portal_cloudinary.configure(settings.CLOUDINARY_URL)
