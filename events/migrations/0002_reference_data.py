"""
Reference data that every database needs: the ISO 3166-1 countries (from
pycountry, never typed by hand) and the editorial roles.
"""

from django.db import migrations

# ISO's short names that read awkwardly in "Philippines–Russian Federation";
# pycountry's common_name covers most of the others (Vietnam, Laos, South Korea).
DISPLAY_NAMES = {
    "RU": "Russia",
    "BN": "Brunei",
    "CD": "Democratic Republic of the Congo",
    "FM": "Micronesia",
    "PS": "Palestine",
    "VA": "Vatican City",
}

EDITOR_MODELS = [
    "event",
    "participant",
    "quote",
    "eventsource",
    "leader",
    "office",
    "leadersource",
    "summit",
    "summitsource",
]


def load_countries(apps, schema_editor):
    import pycountry

    Country = apps.get_model("events", "Country")
    existing = set(Country.objects.values_list("iso2", flat=True))
    Country.objects.bulk_create(
        Country(
            iso2=c.alpha_2,
            iso3=c.alpha_3,
            name=DISPLAY_NAMES.get(c.alpha_2) or getattr(c, "common_name", None) or c.name,
            official_name=getattr(c, "official_name", "") or "",
        )
        for c in pycountry.countries
        if c.alpha_2 not in existing
    )


def create_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations have run; the roles
    # need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    events_perms = Permission.objects.filter(content_type__app_label="events")

    editor, _ = Group.objects.get_or_create(name="Editor")
    editor.permissions.set(
        events_perms.filter(codename__regex=r"^(add|change|view)_(%s)$" % "|".join(EDITOR_MODELS))
        | events_perms.filter(codename="view_country")
    )
    publisher, _ = Group.objects.get_or_create(name="Publisher")
    publisher.permissions.set(
        events_perms.filter(codename__regex=r"^(add|change|view|delete)_(%s)$" % "|".join(EDITOR_MODELS))
        | events_perms.filter(codename__in=["view_country", "publish_event"])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(load_countries, migrations.RunPython.noop),
        migrations.RunPython(create_roles, migrations.RunPython.noop),
    ]
