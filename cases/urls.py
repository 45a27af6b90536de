"""Pages of the cases app (included at the site root)."""

from django.urls import path

from cases import views
from cases.rendering_urls import urlpatterns as rendering_urlpatterns

app_name = "cases"
urlpatterns = rendering_urlpatterns + [
    path("cases/", views.case_list, name="list"),
    path("cases/new/", views.case_open, name="open"),
    path("cases/queue/", views.case_queue, name="queue"),
    path("cases/queue/bulk/", views.case_bulk, name="bulk"),
    path("cases/<str:ref>/", views.case_detail, name="detail"),
    path("cases/<str:ref>/reply/", views.case_reply, name="reply"),
    path("cases/<str:ref>/close/", views.case_close, name="close"),
    path("cases/<str:ref>/reopen/", views.case_reopen, name="reopen"),
    path("cases/<str:ref>/assign/", views.case_assign, name="assign"),
    path("cases/<str:ref>/attachments/<int:pk>/", views.case_attachment, name="attachment"),
    path("cases/<str:ref>/take/", views.case_take, name="take"),
    path("cases/<str:ref>/fixed/", views.case_confirm_fixed, name="confirm_fixed"),
    path("cases/<str:ref>/status/", views.case_status, name="status"),
    path("cases/<str:ref>/priority/", views.case_priority, name="priority"),
    path("cases/<str:ref>/resolve/", views.case_resolve, name="resolve"),
]
