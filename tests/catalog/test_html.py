"""The facets and cards rendered without the template engine (assets/html.py) escape every
value and keep the markup the catalog's script and tests rely on."""

from assets.html import card_html, facets_html
from assets.selectors import Facet, FacetValue
from tests import factories as f


def test_a_card_escapes_the_title_and_taxonomy(db):
    # given
    line = f.ProductLineFactory(name="Trail <b>Series</b>")
    asset = f.AssetFactory(title='Boot "x" <script>alert(1)</script>', product_line=line,
                           format="jpg", width=1200, height=800)
    card = {"asset": asset, "shown": asset, "thumbnail": "https://cdn/x.jpg?a=1&b=2",
            "srcset": "", "width": 260, "height": 173, "badge": "New", "state": ""}
    # when
    html = card_html(card, selectable=True)
    # then
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "Trail &lt;b&gt;Series&lt;/b&gt; · JPG · 1200×800" in html
    assert 'src="https://cdn/x.jpg?a=1&amp;b=2"' in html
    assert f'id="select-{asset.pk}" name="asset" value="{asset.pk}" form="zip-form"' in html
    assert '<span class="badge badge-new-item">New</span>' in html


def test_facet_options_escape_values_and_keep_their_ids():
    # given
    facets = [Facet("market", "Market", [FacetValue("de", "Germany", 3, True),
                                         FacetValue('x"><i', "Odd <i>", 1, False)]),
              Facet("updated_since", "Updated", [FacetValue("7d", "Last 7 days", 2, True)]),
              Facet("kind", "Kind", [])]
    # when
    html = facets_html(facets, staff=True, review_states=[("pending", "Pending")],
                       review="pending")
    # then
    assert ('<input id="facet-market-de" type="checkbox" name="market" value="de" checked>'
            in html)
    assert "Germany <span class=\"count\">3<span class=\"visually-hidden\"> assets" in html
    assert "Odd &lt;i&gt;" in html and 'value="x&quot;&gt;&lt;i"' in html
    assert "1<span class=\"visually-hidden\"> asset</span>" in html
    assert 'type="radio" name="updated_since" value="7d" checked' in html
    assert 'id="facet-updated_since-any"' in html  # "Any time" once a period is chosen
    assert "<legend>Kind</legend>" not in html  # a facet without values is left out
    assert 'id="facet-review-pending" type="radio" name="review" value="pending" checked' in html
