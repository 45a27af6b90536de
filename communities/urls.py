"""Pages of the communities app (included at the site root), and the Trading Grid webhook."""

from django.urls import path

from communities import completeness, views, webhooks

app_name = "communities"
urlpatterns = [
    path("communities/", views.mine, name="mine"),
    path("communities/<int:community_pk>/invite/", views.invite, name="invite"),
    path("communities/members/<int:membership_pk>/revoke/", views.revoke_member,
         name="revoke_member"),
    path("communities/invitations/<int:invitation_pk>/withdraw/", views.withdraw_invitation,
         name="withdraw_invitation"),
    path("communities/invitations/<str:token>/", views.accept_invitation,
         name="accept_invitation"),
    path("staff/variants/assets/<int:asset_pk>/", completeness.completeness_page,
         name="variant_completeness"),
    path("hooks/tradinggrid/", webhooks.tradinggrid_webhook, name="tradinggrid_webhook"),
]
