from django.db import migrations, models


class Migration(migrations.Migration):
    """The stored build becomes JSON text; an old build is dropped and compiled again."""

    dependencies = [("campaigns", "0001_initial")]

    operations = [
        migrations.RemoveField(model_name="playbookbuild", name="document"),
        migrations.AddField(
            model_name="playbookbuild",
            name="document_json",
            field=models.TextField(default="{}"),
            preserve_default=False,
        ),
    ]
