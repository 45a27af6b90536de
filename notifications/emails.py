"""The email of one notice: plain text with an HTML alternative (sent by the outbox)."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def _inline_images(email: EmailMultiAlternatives, notice) -> list[dict]:
    """Fetch the notice's images now and attach them as related parts (cid: references)."""
    from email.mime.image import MIMEImage

    from notifications.images import fetch

    shown = []
    for n, image in enumerate(notice.images or []):
        got = fetch(image.get("source", ""))
        if got is None:
            continue
        data, mimetype = got
        cid = f"notice{notice.pk}-{n}@portal"
        part = MIMEImage(data, _subtype=mimetype.split("/", 1)[-1])
        part.add_header("Content-ID", f"<{cid}>")
        part.add_header("Content-Disposition", "inline", filename=f"preview-{n + 1}.jpg")
        email.attach(part)
        shown.append({"caption": image.get("caption", ""), "cid": cid})
    if shown:
        email.mixed_subtype = "related"
    return shown


def build_notice_email(notice, recipient: str) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(subject=f"[{settings.BRAND_NAME}] {notice.title}",
                                   from_email=settings.DEFAULT_FROM_EMAIL, to=[recipient],
                                   reply_to=[settings.SUPPORT_EMAIL])
    images = _inline_images(email, notice)
    context = {"notice": notice, "brand_name": settings.BRAND_NAME, "images": images,
               "url": f"{settings.SITE_URL}{notice.url}" if notice.url else settings.SITE_URL,
               "centre_url": f"{settings.SITE_URL}/notifications/"}
    email.body = render_to_string("email/notifications/notice.txt", context)
    email.attach_alternative(render_to_string("email/notifications/notice.html", context),
                             "text/html")
    return email


def build_digest_email(key: str, recipient: str) -> EmailMultiAlternatives:
    from notifications.models import Notice

    notices = list(Notice.objects.filter(digest_key=key, user__email__iexact=recipient)
                   .order_by("created_at", "pk"))
    context = {"notices": notices, "brand_name": settings.BRAND_NAME,
               "site_url": settings.SITE_URL,
               "centre_url": f"{settings.SITE_URL}/notifications/"}
    text = render_to_string("email/notifications/digest.txt", context)
    html = render_to_string("email/notifications/digest.html", context)
    email = EmailMultiAlternatives(
        subject=f"[{settings.BRAND_NAME}] Your daily digest: {len(notices)} "
                f"update{'s' if len(notices) != 1 else ''}",
        body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[recipient],
        reply_to=[settings.SUPPORT_EMAIL])
    email.attach_alternative(html, "text/html")
    return email
