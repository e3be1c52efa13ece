import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Make sure a local admin account exists. Its password comes from DJANGO_SUPERUSER_PASSWORD, "
        "or is generated and printed once, when the account is created."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default=os.environ.get("DJANGO_SUPERUSER_USERNAME", "admin"))

    def handle(self, username, **options):
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            self.stdout.write(f"Admin account {username!r} already exists (its password is unchanged).")
            return
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD") or secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email="", password=password)
        if os.environ.get("DJANGO_SUPERUSER_PASSWORD"):
            self.stdout.write(f"Created admin account {username!r} with the password from DJANGO_SUPERUSER_PASSWORD.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Created admin account {username!r} with password: {password}"))
            self.stdout.write("It is shown only this once; change it at /admin/password_change/.")
