# The supporters' table takes its app's name, now that payments no longer owns the model.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('supporters', '0002_supporter_from_payments'),
        ('payments', '0004_supporter_to_supporters'),
    ]

    operations = [
        migrations.AlterModelTable(name='supporter', table=None),
    ]
