"""Reference data: the seven organising units (Art. 5), the "2+7+N" industries (Art. 3)
and the first edition of the measure (朔科发〔2021〕5号, Art. 10). An administrator edits
all three in the admin afterwards. Their English names and the measure's full text are
added by 0005."""

import datetime

from django.db import migrations

ORGANISING_UNITS = [
    ("shuocheng", "朔城区科技局", "140602", 10),
    ("pinglu", "平鲁区科技局", "140603", 20),
    ("shanyin", "山阴县科技局", "140621", 30),
    ("yingxian", "应县科技局", "140622", 40),
    ("youyu", "右玉县科技局", "140623", 50),
    ("huairen", "怀仁市科技局", "140681,140624", 60),
    ("kaifaqu", "朔州经济开发区创新发展部", "", 70),
]

INDUSTRIES = [
    ("coal", "煤炭", "energy"),
    ("power", "电力", "energy"),
    ("photovoltaics", "光伏及半导体", "manufacturing"),
    ("new-materials", "新材料", "manufacturing"),
    ("coal-chemicals", "现代煤化工", "manufacturing"),
    ("equipment", "装备制造", "manufacturing"),
    ("ceramics", "陶瓷", "manufacturing"),
    ("medicine", "现代医药", "manufacturing"),
    ("green-food", "绿色食品深加工", "manufacturing"),
    ("other-emerging", "其他新兴产业（N）", "emerging"),
]


def load(apps, schema_editor):
    OrganisingUnit = apps.get_model("applications", "OrganisingUnit")
    Industry = apps.get_model("applications", "Industry")
    PolicyEdition = apps.get_model("applications", "PolicyEdition")
    for code, name, divisions, order in ORGANISING_UNITS:
        OrganisingUnit.objects.update_or_create(
            code=code, defaults={"name": name, "division_codes": divisions, "order": order}
        )
    for order, (code, name, group) in enumerate(INDUSTRIES, start=1):
        Industry.objects.update_or_create(
            code=code, defaults={"name": name, "group": group, "order": order * 10}
        )
    PolicyEdition.objects.update_or_create(
        document_number="朔科发〔2021〕5号",
        defaults={
            "name": "朔州市产业技术创新战略联盟管理办法（试行）",
            # Art. 10: in force for five years from 28 May 2021.
            "effective_from": datetime.date(2021, 5, 28),
            "effective_until": datetime.date(2026, 5, 27),
            "min_core_members": 6,
            "member_ceiling": 15,
            "notice_days": 7,
            "annual_report_due_month": 2,
            "annual_report_due_day": None,
            "experts_per_file": 3,
            "score_max_per_aspect": 25,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("applications", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
