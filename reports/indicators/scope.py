"""What an indicator is computed over: a municipality, initiative, programme(s), agreement.

See docs/indicators.md ("Scope") for the rules in words. In short:

- programmes in scope: of the initiative, the listed programmes, and (for a
  municipality) only programmes that serve the municipality;
- a pupil belongs to the municipality of their school; a pupil without a
  school belongs to the municipality of their neighbourhood; a pupil with
  neither belongs to no municipality. So a pupil is never in two;
- a match belongs to the municipality (and neighbourhood) of its first
  participant (earliest joined, then lowest id), so a group match is never
  counted twice either;
- volunteers: of the initiatives whose programmes are in scope.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q


@dataclass(frozen=True)
class IndicatorScope:
    municipality_id: int | None = None
    initiative_id: int | None = None
    programme_ids: tuple[int, ...] | None = None  # None = all programmes in the scope
    neighbourhood_id: int | None = None  # optional filter (dashboard)

    def __post_init__(self) -> None:
        if self.programme_ids is not None:
            object.__setattr__(self, "programme_ids", tuple(sorted(set(self.programme_ids))))

    @classmethod
    def for_municipality(cls, municipality) -> IndicatorScope:
        return cls(municipality_id=_pk(municipality))

    @classmethod
    def for_initiative(cls, initiative) -> IndicatorScope:
        return cls(initiative_id=_pk(initiative))

    @classmethod
    def for_programme(cls, programme) -> IndicatorScope:
        return cls(initiative_id=programme.initiative_id, programme_ids=(programme.pk,))

    @classmethod
    def for_agreement(cls, agreement) -> IndicatorScope:
        """The agreement's municipality and its programmes (prefetched ones, if they are)."""
        return cls(
            municipality_id=agreement.municipality_id,
            initiative_id=agreement.initiative_id,
            programme_ids=tuple(p.pk for p in agreement.programmes.all()),
        )

    def as_dict(self) -> dict:
        return {
            "municipality_id": self.municipality_id,
            "initiative_id": self.initiative_id,
            "programme_ids": list(self.programme_ids) if self.programme_ids is not None else None,
            "neighbourhood_id": self.neighbourhood_id,
        }

    # -- filters -------------------------------------------------------------

    def programme_q(self) -> Q:
        """Filter on Programme for the programmes in scope."""
        q = Q()
        if self.municipality_id is not None:
            q &= Q(municipalities=self.municipality_id)
        if self.initiative_id is not None:
            q &= Q(initiative_id=self.initiative_id)
        if self.programme_ids is not None:
            q &= Q(pk__in=self.programme_ids)
        return q

    @property
    def filters_pupils(self) -> bool:
        """Whether pupils (and so matches) are filtered by where they are."""
        return self.municipality_id is not None or self.neighbourhood_id is not None

    def pupil_q(self, prefix: str = "") -> Q:
        """Filter on Pupil (or on a model via ``prefix``, e.g. ``"pupil__"``)."""
        q = Q()
        if self.municipality_id is not None:
            q &= Q(**{f"{prefix}school__municipality_id": self.municipality_id}) | Q(
                **{
                    f"{prefix}school__isnull": True,
                    f"{prefix}neighbourhood__municipality_id": self.municipality_id,
                }
            )
        if self.neighbourhood_id is not None:
            q &= Q(**{f"{prefix}neighbourhood_id": self.neighbourhood_id}) | Q(
                **{f"{prefix}neighbourhood__parent_id": self.neighbourhood_id}
            )
        return q


def _pk(obj) -> int:
    return obj if isinstance(obj, int) else obj.pk
