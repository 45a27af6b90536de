from django.urls import path

from compliance import reports, views

app_name = "compliance"
urlpatterns = [
    path("confirmations/", views.mine, name="mine"),
    path("confirmations/<int:asset_pk>/", views.acknowledge, name="acknowledge"),
    path("staff/currency/assets/<int:asset_pk>/", reports.asset_report, name="asset_report"),
    path("staff/currency/communities/<int:community_pk>/", reports.community_report,
         name="community_report"),
]
