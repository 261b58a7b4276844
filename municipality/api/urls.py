from rest_framework.routers import SimpleRouter

from .views import FunderViewSet, FundingAgreementViewSet

router = SimpleRouter()
router.register("funding-agreements", FundingAgreementViewSet, basename="funding-agreement")
router.register("funders", FunderViewSet, basename="funder")

urlpatterns = router.urls
