"""The four aspects of Art. 6 for the editions that exist, each worth the edition's
``score_max_per_aspect`` (new editions get theirs when created: review.rubric)."""

from django.db import migrations

# A copy of review.rubric.DEFAULT_ASPECTS as it was when this migration was written.
ASPECTS = (
    (
        "innovation_activity",
        "创新活动",
        "Innovation activities",
        "第六条（一）：履行合作协议、承担重大项目、开展合作创新等情况。",
        "Art. 6(1): how the cooperation agreement is carried out, major projects undertaken, "
        "cooperative innovation.",
    ),
    (
        "innovation_performance",
        "创新绩效",
        "Innovation performance",
        "第六条（二）：掌握核心技术、形成技术标准、提升经济社会效益等情况。",
        "Art. 6(2): core technologies mastered, technical standards set, economic and social benefits.",
    ),
    (
        "industry_service",
        "服务产业",
        "Serving the industry",
        "第六条（三）：制定产业规划、提供行业服务、扩散创新成果等情况。",
        "Art. 6(3): industry plans drawn up, services to the sector, innovation results spread.",
    ),
    (
        "operation",
        "运行管理",
        "Operation and management",
        "第六条（四）：组织机构运行、管理制度执行等情况。",
        "Art. 6(4): how the alliance's bodies work and its rules are applied.",
    ),
)


def create_rubrics(apps, schema_editor):
    PolicyEdition = apps.get_model("applications", "PolicyEdition")
    RubricAspect = apps.get_model("review", "RubricAspect")
    for edition in PolicyEdition.objects.all():
        if RubricAspect.objects.filter(edition=edition).exists():
            continue
        RubricAspect.objects.bulk_create(
            [
                RubricAspect(
                    edition=edition,
                    code=code,
                    name=name,
                    name_en=name_en,
                    max_score=edition.score_max_per_aspect,
                    guidance=guidance,
                    guidance_en=guidance_en,
                    order=order,
                )
                for order, (code, name, name_en, guidance, guidance_en) in enumerate(ASPECTS, start=1)
            ]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("review", "0004_experts"),
        ("applications", "0017_edition_review_numbers"),
    ]

    operations = [migrations.RunPython(create_rubrics, migrations.RunPython.noop)]
