# The Supporter model now belongs to the supporters app: the ledger's links point there
# (state only: the table and its rows do not move), and the admin's content type follows,
# so permissions granted on supporters and admin log entries keep pointing at them.

import django.db.models.deletion
from django.db import migrations, models


def content_type_follow(apps, schema_editor):
    ContentType = apps.get_model('contenttypes', 'ContentType')
    if not ContentType.objects.filter(app_label='supporters', model='supporter').exists():
        ContentType.objects.filter(app_label='payments', model='supporter').update(
            app_label='supporters'
        )


def content_type_back(apps, schema_editor):
    ContentType = apps.get_model('contenttypes', 'ContentType')
    ContentType.objects.filter(app_label='supporters', model='supporter').update(
        app_label='payments'
    )


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('payments', '0003_contribution_month_index'),
        ('supporters', '0002_supporter_from_payments'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='contribution',
                    name='supporter',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='contributions', to='supporters.supporter'),
                ),
                migrations.AlterField(
                    model_name='recurringplan',
                    name='supporter',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='plans', to='supporters.supporter'),
                ),
                migrations.DeleteModel(name='Supporter'),
            ],
        ),
        migrations.RunPython(content_type_follow, content_type_back),
    ]
