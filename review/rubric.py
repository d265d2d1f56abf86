"""The scoring rubric of an edition: the four aspects of Art. 6, each with its maximum.

A new edition gets the four aspects, each worth the edition's ``score_max_per_aspect``
(``ensure_rubric``, called when an edition is created); the administrator then adjusts a
maximum or the guidance of an aspect in the admin. The total is the sum of the aspects.
"""

from decimal import Decimal

from .enums import Aspect
from .models import RubricAspect

# (code, name, English name, guidance, English guidance): the words of Art. 6 (一)–(四). The
# names are the measure's, kept as data (a renewed measure may word them otherwise).
DEFAULT_ASPECTS = (
    (
        Aspect.INNOVATION_ACTIVITY,
        "创新活动",
        "Innovation activities",
        "第六条（一）：履行合作协议、承担重大项目、开展合作创新等情况。",
        "Art. 6(1): how the cooperation agreement is carried out, major projects undertaken, "
        "cooperative innovation.",
    ),
    (
        Aspect.INNOVATION_PERFORMANCE,
        "创新绩效",
        "Innovation performance",
        "第六条（二）：掌握核心技术、形成技术标准、提升经济社会效益等情况。",
        "Art. 6(2): core technologies mastered, technical standards set, economic and social benefits.",
    ),
    (
        Aspect.INDUSTRY_SERVICE,
        "服务产业",
        "Serving the industry",
        "第六条（三）：制定产业规划、提供行业服务、扩散创新成果等情况。",
        "Art. 6(3): industry plans drawn up, services to the sector, innovation results spread.",
    ),
    (
        Aspect.OPERATION,
        "运行管理",
        "Operation and management",
        "第六条（四）：组织机构运行、管理制度执行等情况。",
        "Art. 6(4): how the alliance's bodies work and its rules are applied.",
    ),
)


def ensure_rubric(edition):
    """Give ``edition`` the four aspects of Art. 6 if it has none (idempotent)."""
    if edition.rubric_aspects.exists():
        return
    RubricAspect.objects.bulk_create(
        [
            RubricAspect(
                edition=edition,
                code=code.value,
                name=name,
                name_en=name_en,
                max_score=edition.score_max_per_aspect,
                guidance=guidance,
                guidance_en=guidance_en,
                order=order,
            )
            for order, (code, name, name_en, guidance, guidance_en) in enumerate(DEFAULT_ASPECTS, start=1)
        ],
        ignore_conflicts=True,
    )


def rubric(edition):
    """The aspects of ``edition``'s rubric, in order (made first if it has none)."""
    aspects = list(edition.rubric_aspects.all())
    if not aspects:
        ensure_rubric(edition)
        aspects = list(edition.rubric_aspects.all())
    return aspects


def max_total(aspects):
    return Decimal(sum(aspect.max_score for aspect in aspects))


def edition_created(sender, instance, created, raw=False, **kwargs):
    """``post_save`` of an edition: a new edition gets its rubric (review.apps)."""
    if created and not raw:
        ensure_rubric(instance)
