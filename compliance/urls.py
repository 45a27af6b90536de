from django.urls import path

from compliance import views

app_name = "compliance"
urlpatterns = [
    path("confirmations/", views.mine, name="mine"),
    path("confirmations/<int:asset_pk>/", views.acknowledge, name="acknowledge"),
]
