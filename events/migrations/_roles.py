"""What a migration calls to let the Editor and Publisher roles keep new models (not a migration itself)."""


def grant_roles(apps, model_names: tuple[str, ...]) -> None:
    """Editors add, change and view `model_names`; Publishers also delete them."""
    from django.contrib.auth.management import create_permissions

    # As in 0002: permissions are created after all migrations have run; the roles need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="events")
    names = "|".join(model_names)
    roles = {
        "Editor": perms.filter(codename__regex=rf"^(add|change|view)_({names})$"),
        "Publisher": perms.filter(codename__regex=rf"^(add|change|view|delete)_({names})$"),
    }
    for name, granted in roles.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*granted)
