import pytest

from cases.markdown import render_markdown


def test_it_renders_markdown():
    html = render_markdown("**Wrong** box\n\n- front\n- back\n\n[spec](https://example.com/s)")
    assert "<strong>Wrong</strong>" in html and "<li>front</li>" in html
    assert 'href="https://example.com/s"' in html and 'rel="nofollow noopener noreferrer"' in html


@pytest.mark.parametrize("text", [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    '<p onclick="alert(1)">x</p>',
    "<iframe src='https://evil.example'></iframe>",
    '<svg onload="alert(1)"></svg>',
])
def test_no_script_gets_through(text):
    html = render_markdown(text).lower()
    assert "<script" not in html
    assert "onerror" not in html and "onclick" not in html and "onload" not in html
    assert "javascript:" not in html
    assert "<iframe" not in html and "<svg" not in html and "<img" not in html


def test_a_script_in_a_reply_is_not_rendered_on_the_page(bob_case, bob, client_for):
    # given
    from cases import services

    services.case_reply(case=bob_case, author=bob, body="<script>alert('x')</script> hello")
    # when
    page = client_for(bob).get(f"/cases/{bob_case.reference}/").content.decode()
    # then
    assert "<script>alert('x')</script>" not in page
    assert "hello" in page
