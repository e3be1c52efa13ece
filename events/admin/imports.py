"""
The admin's CSV import (`/admin/events/event/import/`): upload, preview, confirm.

The same code path as `manage.py import_events`: the preview is
`import_directory(..., dry_run=True)` and the confirmation the real import,
of the same files. Between the two the files wait in a directory of their own
under the system's temporary directory, named by a random token kept in the
session, so that a confirmation imports exactly what was previewed and no
request can name another directory.
"""

import re
import secrets
import shutil
import tempfile
import time
from pathlib import Path

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from events.services.importing import FILES, ImportFailed, import_directory

UPLOADS = Path(tempfile.gettempdir()) / "diplomacy-imports"
SESSION_KEY = "event_import_token"
MAX_FILE_SIZE = 100 * 1024 * 1024  # bytes; the importer refuses a 10 MB cell anyway
# Uploads never confirmed are deleted after an hour, and the oldest sooner when more are waiting than
# these bounds (across every session: each upload may hold 5 files of up to MAX_FILE_SIZE).
FORGOTTEN_AFTER = 60 * 60  # seconds
MAX_WAITING_UPLOADS = 20
MAX_WAITING_BYTES = 1024 * 1024 * 1024
# The most errors a page lists: a file of a million bad rows made an 80 MB page.
MAX_ERRORS_SHOWN = 200
FILE_NAMES = [spec.name for spec in FILES]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".csv,text/csv"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)]


class ImportUploadForm(forms.Form):
    files = MultipleFileField(
        label="CSV files",
        help_text=f"Any of {', '.join(FILE_NAMES)}, named so, in the format of the README. "
        "Nothing is written until you have seen the preview and confirmed it.",
    )

    def clean_files(self):
        files = self.cleaned_data["files"]
        names = [f.name for f in files]
        errors = []
        for name in sorted(set(names)):
            if name not in FILE_NAMES:
                errors.append(f"{name}: the importer reads only {', '.join(FILE_NAMES)}.")
            elif names.count(name) > 1:
                errors.append(f"{name} is given twice.")
        errors += [f"{f.name}: larger than {MAX_FILE_SIZE // 2**20} MB." for f in files if f.size > MAX_FILE_SIZE]
        if errors:
            raise forms.ValidationError(errors)
        return files


def import_view(request, model_admin: admin.ModelAdmin):
    """Upload → preview (counts and every error) → confirm or cancel."""
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    publish = request.user.has_perm("events.publish_event")
    # Changing a published event by import is a publisher's decision (it can drop participants or cancel it).
    change_published = publish and request.user.has_perm("events.delete_event")
    changelist = reverse("admin:events_event_changelist")
    form = ImportUploadForm()
    context = {}
    if request.method == "POST" and "upload" in request.POST:
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            discard(request)
            token = store(form.cleaned_data["files"])
            request.session[SESSION_KEY] = token
            context = preview(upload_dir(token), publish=publish, change_published=change_published, token=token)
            form = ImportUploadForm()
    elif request.method == "POST" and ("confirm" in request.POST or "cancel" in request.POST):
        token = request.session.get(SESSION_KEY)
        if not token or request.POST.get("token") != token or not upload_dir(token).is_dir():
            messages.error(request, "That upload is no longer waiting: upload the files again.")
            return redirect(request.path)
        if "cancel" in request.POST:
            discard(request)
            messages.info(request, "Import cancelled; nothing was written.")
            return redirect(changelist)
        try:
            report = import_directory(upload_dir(token), publish=publish, change_published=change_published)
        except ImportFailed as failure:  # the record changed since the preview
            context = {**error_list(failure), "token": token}
        else:
            discard(request)
            messages.success(request, "Imported. " + " ".join(line + "." for line in report.lines()))
            return redirect(changelist)
    opts = model_admin.model._meta
    return TemplateResponse(
        request,
        "admin/events/event/import.html",
        {
            **model_admin.admin_site.each_context(request),
            "opts": opts,
            "title": "Import events from CSV files",
            "form": form,
            "file_names": FILE_NAMES,
            "publish": publish,
            **context,
        },
    )


def preview(directory: Path, *, publish: bool, change_published: bool, token: str) -> dict:
    try:
        report = import_directory(directory, dry_run=True, publish=publish, change_published=change_published)
    except ImportFailed as failure:
        return {**error_list(failure), "uploaded": sorted(p.name for p in directory.iterdir())}
    return {
        "report": report,
        "counts": report.table(),
        "notes": report.notes(),
        "token": token,
        "uploaded": sorted(p.name for p in directory.iterdir()),
    }


def error_list(failure: ImportFailed) -> dict:
    """The first MAX_ERRORS_SHOWN errors, as text, and how many there are in all."""
    count = len(failure.errors)
    more = count - MAX_ERRORS_SHOWN
    return {
        "errors": [str(e) for e in failure.errors[:MAX_ERRORS_SHOWN]],
        "error_count": count,
        "error_total": f"{count:,}",
        "more_errors": f"… and {more:,} more error{'s' if more != 1 else ''}." if more > 0 else "",
    }


def store(files) -> str:
    """Save the uploaded files in a new directory of their own; return its token."""
    token = secrets.token_hex(16)
    directory = upload_dir(token)
    directory.mkdir(parents=True)
    for upload in files:
        with open(directory / upload.name, "wb") as handle:  # the name is one of FILE_NAMES (clean_files)
            for chunk in upload.chunks():
                handle.write(chunk)
    forget_old_uploads(keep=token)
    return token


def upload_dir(token: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{32}", token):
        raise PermissionDenied
    return UPLOADS / token


def discard(request) -> None:
    """Delete this session's waiting upload, if any."""
    token = request.session.pop(SESSION_KEY, None)
    if token:
        shutil.rmtree(upload_dir(token), ignore_errors=True)


def forget_old_uploads(*, keep: str) -> None:
    """Delete the uploads older than FORGOTTEN_AFTER, then the oldest past MAX_WAITING_UPLOADS or MAX_WAITING_BYTES.

    The upload `keep` (the one just stored) stays, and counts first.
    """
    cutoff = time.time() - FORGOTTEN_AFTER
    waiting = []
    for directory in UPLOADS.iterdir():
        try:
            modified = directory.stat().st_mtime
            size = sum(f.stat().st_size for f in directory.iterdir())
        except FileNotFoundError:  # deleted meanwhile by another request
            continue
        if modified < cutoff and directory.name != keep:
            shutil.rmtree(directory, ignore_errors=True)
        else:
            waiting.append((directory.name == keep, modified, size, directory))
    count = total = 0
    for is_kept, _, size, directory in sorted(waiting, reverse=True):  # the kept one, then the newest first
        count, total = count + 1, total + size
        if not is_kept and (count > MAX_WAITING_UPLOADS or total > MAX_WAITING_BYTES):
            shutil.rmtree(directory, ignore_errors=True)
