"""The invitation email, built by the outbox (cases.notifications.build_email) from its row."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from communities.models import Invitation
from portal.validators import single_line


def build_invitation_email(row) -> EmailMultiAlternatives | None:
    """The email for an outbox row keyed "invitation:<pk>"; None when the invitation is no
    longer pending (withdrawn, replaced, accepted or expired) or its link is gone."""
    pk = row.key.rsplit(":", 1)[-1]
    invitation = (Invitation.objects.select_related("community", "partner", "invited_by")
                  .filter(pk=int(pk) if pk.isdigit() else 0).first())
    if invitation is None or not invitation.is_pending() or not row.link:
        return None
    context = {"invitation": invitation, "brand_name": settings.BRAND_NAME,
               "accept_url": settings.SITE_URL + row.link}
    email = EmailMultiAlternatives(
        subject=single_line(f"{invitation.invited_by} invited you to {invitation.community} "
                            f"on the {settings.BRAND_NAME} Partner Portal"),
        body=render_to_string("communities/email/invitation.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL, to=[row.recipient],
        reply_to=[settings.SUPPORT_EMAIL])
    email.attach_alternative(render_to_string("communities/email/invitation.html", context),
                             "text/html")
    return email
