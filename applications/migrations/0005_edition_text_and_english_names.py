"""Each edition of the measure gets its own full text and date of issue; reference data
gets English names (shown when a page is in English). The 2021 text moves from a file
path into the edition itself."""

import datetime
from pathlib import Path

from django.db import migrations, models

MEASURE_2021 = Path(__file__).resolve().parent.parent / "policy" / "shuozhou-2021-5.zh.txt"

UNITS_EN = {
    "shuocheng": "Shuocheng District Science and Technology Bureau",
    "pinglu": "Pinglu District Science and Technology Bureau",
    "shanyin": "Shanyin County Science and Technology Bureau",
    "yingxian": "Ying County Science and Technology Bureau",
    "youyu": "Youyu County Science and Technology Bureau",
    "huairen": "Huairen City Science and Technology Bureau",
    "kaifaqu": "Innovation and Development Department, Shuozhou Economic Development Zone",
}
INDUSTRIES_EN = {
    "coal": "Coal",
    "power": "Electric power",
    "photovoltaics": "Photovoltaics and semiconductors",
    "new-materials": "New materials",
    "coal-chemicals": "Modern coal chemicals",
    "equipment": "Equipment manufacturing",
    "ceramics": "Ceramics",
    "medicine": "Modern medicine",
    "green-food": "Green food processing",
    "other-emerging": "Other emerging industries (N)",
}


def load(apps, schema_editor):
    """English names and the 2021 edition's text; also run by the tests after a flush."""
    for model, names in (("OrganisingUnit", UNITS_EN), ("Industry", INDUSTRIES_EN)):
        Model = apps.get_model("applications", model)
        for code, name_en in names.items():
            Model.objects.filter(code=code, name_en="").update(name_en=name_en)
    apps.get_model("applications", "PolicyEdition").objects.filter(
        document_number="朔科发〔2021〕5号"
    ).update(
        name_en="Measures of Shuozhou for the Administration of Industrial Technology Innovation "
        "Strategic Alliances (Trial)",
        document_number_en="Shuo Ke Fa [2021] No. 5",
        issued_on=datetime.date(2021, 4, 27),
        full_text=MEASURE_2021.read_text(encoding="utf-8"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0004_application_content_members_documents"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="policyedition",
            name="text_path",
        ),
        migrations.AddField(
            model_name="industry",
            name="name_en",
            field=models.CharField(blank=True, max_length=200, verbose_name="英文名称"),
        ),
        migrations.AddField(
            model_name="organisingunit",
            name="name_en",
            field=models.CharField(blank=True, max_length=200, verbose_name="英文名称"),
        ),
        migrations.AddField(
            model_name="policyedition",
            name="document_number_en",
            field=models.CharField(blank=True, max_length=100, verbose_name="英文文号"),
        ),
        migrations.AddField(
            model_name="policyedition",
            name="full_text",
            field=models.TextField(
                blank=True,
                help_text=(
                    "发文正文，用于“政策原文”页面。以“第一章”“第一条”等开头的行显示为标题，"
                    "并可链接（如 #art-4）。"
                ),
                max_length=100000,
                verbose_name="全文",
            ),
        ),
        migrations.AddField(
            model_name="policyedition",
            name="issued_on",
            field=models.DateField(blank=True, null=True, verbose_name="印发日期"),
        ),
        migrations.AddField(
            model_name="policyedition",
            name="name_en",
            field=models.CharField(blank=True, max_length=200, verbose_name="英文名称"),
        ),
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
