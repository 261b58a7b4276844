from rest_framework.routers import SimpleRouter

from .views import ProgrammeViewSet, VolunteerViewSet

router = SimpleRouter()
router.register("programmes", ProgrammeViewSet, basename="programme")
router.register("volunteers", VolunteerViewSet, basename="volunteer")

urlpatterns = router.urls
