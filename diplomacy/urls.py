from django.contrib import admin
from django.urls import include, path

from events.api.v1 import api

admin.site.site_header = "Philippine foreign-policy tracker"
admin.site.site_title = "PH foreign-policy tracker"
admin.site.index_title = "The record"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("events.web.urls")),
]
