from rest_framework.routers import SimpleRouter

from .views import IndicatorViewSet, ReportViewSet

router = SimpleRouter()
router.register("indicators", IndicatorViewSet, basename="indicator")
router.register("reports", ReportViewSet, basename="report")

urlpatterns = router.urls
