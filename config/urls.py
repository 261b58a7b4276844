from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("health/", core_views.health, name="health"),
    path("privacy/", core_views.privacy, name="privacy"),
    path("toegankelijkheid/", core_views.accessibility, name="accessibility"),
    path("api/v1/", include("config.api_urls")),
    path("", include("referrals.urls")),
    path("", include("initiatives.urls")),
    path("", include("municipality.urls")),
    path("", include("reports.urls")),
    path("", include("core.urls")),
    path("privacy-log/", include("audit.urls")),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
# allauth's answer to a rate limit (too many login or password reset attempts)
handler429 = "accounts.security.too_many_requests"

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
