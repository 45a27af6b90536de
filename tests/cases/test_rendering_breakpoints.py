"""Responsive breakpoints as the fix for "poor mobile rendering" (issue #15), through the
real SDK against the emulator over HTTP: the asset page's preview srcset lists exactly the
widths Cloudinary answered, each a derived image it serves."""

import io
import re
from html import unescape

import pytest
import requests
from django.urls import reverse
from PIL import Image

from assets.breakpoints import picked
from audit.models import Event
from cases.models import Case, RenderingFix
from cases.rendering import rendering_report_open
from cases.rendering_presets import rendering_fix_breakpoints
from cases.services import CaseNotFound
from tests.cases import test_rendering_preset_fix as preset_fix

product = preset_fix.product  # the fixture: the product shot, released to EU Retailers
pytestmark = pytest.mark.django_db


def _srcset(client, asset) -> list[tuple[str, int]]:
    html = client.get(reverse("assets:detail", args=[asset.pk])).content.decode()
    srcset = unescape(re.search(r'<img src="[^"]+" srcset="([^"]+)"', html).group(1))
    return [(url, int(w)) for url, w in re.findall(r"(\S+) (\d+)w", srcset)]


def _poor_mobile(bob, product):
    return rendering_report_open(
        opener=bob, asset=product, preset_slug="mobile-640", problem="poor_mobile",
        body="Blurry and slow on our phones.", device_class="mobile", viewport_width=390,
        viewport_height=844)


def test_support_sets_breakpoints_and_the_preview_srcset_offers_them(
        product, bob, support, client_for, protected_cloud,
        django_capture_on_commit_callbacks):
    assert [w for _, w in _srcset(client_for(bob), product)] == [640, 960, 1280, 1920]
    case = _poor_mobile(bob, product)

    with django_capture_on_commit_callbacks(execute=True):
        fix = rendering_fix_breakpoints(case=case, actor=support)

    # the emulator's answer, widest first, kept on the version
    version = product.approved_version
    version.refresh_from_db()
    widths = version.breakpoints["widths"]
    assert widths == sorted(widths, reverse=True) and widths[-1] == 240 and widths[0] == 1600
    assert any(w < 640 for w in widths) and len(widths) >= 4
    # the asset page's srcset lists exactly those widths, each served at that width
    offered = _srcset(client_for(bob), product)
    assert [w for _, w in offered] == sorted(widths)
    for url, width in offered:
        assert "/c_limit,f_auto,q_auto,w_1920/c_scale,w_" in url
        answer = requests.get(url, headers={"Accept": "image/webp,*/*"}, timeout=10)
        assert answer.status_code == 200, answer.headers.get("X-Cld-Error")
        assert Image.open(io.BytesIO(answer.content)).size[0] == width
    # measured: a 390 px phone got the 640 px preview, now the breakpoint it picks
    event = Event.objects.get(action="asset.rendering_updated")
    points = event.payload["after"]["breakpoints"]
    assert [p["width"] for p in points] == widths
    assert event.payload["before"]["srcset_widths"] == [640, 960, 1280, 1920]
    assert fix.kind == RenderingFix.Kind.BREAKPOINTS and fix.before_width == 640
    assert fix.after_width == picked(points, 390)["width"] < 640
    assert fix.after_bytes < fix.before_bytes
    case.refresh_from_db()
    assert case.status == Case.Status.RESOLVED
    assert "Fixed by: responsive breakpoints" in case.resolution_note


def test_only_staff_set_breakpoints(product, bob):
    with pytest.raises(CaseNotFound):
        rendering_fix_breakpoints(case=_poor_mobile(bob, product), actor=bob)
