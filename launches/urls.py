from django.urls import path

from launches import views

app_name = "launches"
urlpatterns = [
    path("staff/launches/", views.kit_list, name="kits"),
    path("staff/launches/<int:pk>/", views.readiness, name="readiness"),
    path("staff/launches/<int:pk>/slots/<int:slot_pk>/fill/", views.fill, name="fill"),
    path("launches/", views.my_kits, name="mine"),
    path("launches/<int:pk>/", views.partner_kit, name="partner-kit"),
    path("launches/<int:pk>/confirm/", views.confirm, name="confirm"),
    path("launches/<int:pk>/slots/<int:slot_pk>/flag/", views.flag, name="flag"),
    path("launches/<int:pk>/download-zip/", views.download_zip, name="download-zip"),
]
