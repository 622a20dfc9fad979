# The Supporter model moves from payments to supporters (the app that owns the person).
# Its table stays as it is here; 0003 renames it once payments no longer claims the model.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('supporters', '0001_initial'),
        ('payments', '0003_contribution_month_index'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Supporter',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('email', models.EmailField(max_length=254, unique=True, verbose_name='email')),
                        ('name', models.CharField(blank=True, max_length=200, verbose_name='name')),
                        ('email_consent', models.BooleanField(default=False, verbose_name='agreed to emails')),
                        ('language', models.CharField(default='en', max_length=8, verbose_name='language')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='first gift')),
                        ('erased_at', models.DateTimeField(blank=True, null=True, verbose_name='erased')),
                    ],
                    options={
                        'verbose_name': 'supporter',
                        'verbose_name_plural': 'supporters',
                        'db_table': 'payments_supporter',
                    },
                ),
                migrations.AlterField(
                    model_name='managelinksent',
                    name='supporter',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='manage_links_sent', to='supporters.supporter'),
                ),
            ],
        ),
    ]
