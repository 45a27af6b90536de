"""The email of one notice: plain text with an HTML alternative (sent by the outbox)."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def build_notice_email(notice, recipient: str) -> EmailMultiAlternatives:
    context = {"notice": notice, "brand_name": settings.BRAND_NAME,
               "url": f"{settings.SITE_URL}{notice.url}" if notice.url else settings.SITE_URL,
               "centre_url": f"{settings.SITE_URL}/notifications/"}
    text = render_to_string("email/notifications/notice.txt", context)
    html = render_to_string("email/notifications/notice.html", context)
    email = EmailMultiAlternatives(subject=f"[{settings.BRAND_NAME}] {notice.title}", body=text,
                                   from_email=settings.DEFAULT_FROM_EMAIL, to=[recipient],
                                   reply_to=[settings.SUPPORT_EMAIL])
    email.attach_alternative(html, "text/html")
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
