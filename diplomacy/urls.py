from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from events.api import v1 as api_v1

admin.site.site_header = "Philippine foreign-policy tracker"
admin.site.site_title = "PH foreign-policy tracker"
admin.site.index_title = "The record"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api_v1.urls()),
    # English at the addresses without a prefix, Filipino under /fil/ (docs/i18n.md).
    *i18n_patterns(path("", include("events.web.urls")), prefix_default_language=False),
]
