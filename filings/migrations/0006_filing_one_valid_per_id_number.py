"""At most one valid filing per 身份证号 (by its keyed digest)."""

from django.db import migrations, models


def refuse_duplicates(apps, schema_editor) -> None:
    # Say which filings share a number instead of failing on the constraint's bare IntegrityError.
    Filing = apps.get_model("filings", "Filing")
    shared = (
        Filing.objects.filter(status="有效").exclude(id_digest="").values("id_digest")
        .annotate(n=models.Count("id")).filter(n__gt=1).values_list("id_digest", flat=True)
    )
    groups = [
        "、".join(Filing.objects.filter(status="有效", id_digest=digest).values_list("filing_no", flat=True))
        for digest in shared
    ]
    if groups:
        raise RuntimeError(
            "以下有效备案的身份证号相同，请先将其中多余的备案改为失效后再迁移：" + "；".join(groups)
        )


class Migration(migrations.Migration):

    dependencies = [
        ("filings", "0005_filing_verify_lockout"),
    ]

    operations = [
        migrations.RunPython(refuse_duplicates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="filing",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "有效"), models.Q(("id_digest", ""), _negated=True)),
                fields=("id_digest",), name="filing_one_valid_per_id_number",
            ),
        ),
    ]
