"""The Editor and Publisher roles may keep the publisher table and record disagreements (#13)."""

from django.db import migrations

NEW_MODELS = ("publisher", "disagreement", "disagreementversion")


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # As in 0002: permissions are created after all migrations have run; the roles need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="events")
    roles = {
        "Editor": perms.filter(codename__regex=rf"^(add|change|view)_({'|'.join(NEW_MODELS)})$"),
        "Publisher": perms.filter(codename__regex=rf"^(add|change|view|delete)_({'|'.join(NEW_MODELS)})$"),
    }
    for name, granted in roles.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*granted)


class Migration(migrations.Migration):
    dependencies = [("events", "0008_publishers_disagreements_translations")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
