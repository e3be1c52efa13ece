"""
`/downloads/events.csv` and `/downloads/events.json`: the whole public record, as files (services/bulk_files.py).

Served as they lie on disk (gunicorn hands the file to `sendfile`), with a
strong ETag (the version stamp they were written for) and Last-Modified, so a
client that has them gets a 304. A download when the files are behind the
record is served the previous files and starts their regeneration in the
background; before the first generation, a 503 says to come back shortly.
"""

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.dateparse import parse_datetime
from django.utils.http import http_date

from events.services import bulk_files

CONTENT_TYPES = {"events.csv": "text/csv; charset=utf-8", "events.json": "application/json"}
RETRY_AFTER_SECONDS = 60


def bulk_file(request, filename: str):
    name = filename
    if name not in CONTENT_TYPES:
        raise Http404("No such file.")
    directory = settings.BULK_DIR
    bulk_files.refresh(directory, site_url=site_url(request), background=settings.BULK_IN_BACKGROUND)
    generation, handle = None, None
    for _ in range(2):  # a generation may be replaced, and its files removed, between the two reads
        generation = bulk_files.current(directory)
        if generation is None:
            break
        try:
            handle = open(generation.path(directory, name), "rb")
            break
        except FileNotFoundError:
            continue
    if handle is None:
        response = HttpResponse(
            "The files of the whole record are being written. Try again in a minute.\n",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    etag = f'"{generation.stamp}-{name}"'
    modified = parse_datetime(generation.generated_at).timestamp()
    response = get_conditional_response(request, etag=etag, last_modified=int(modified))
    if response is None:
        response = FileResponse(handle, content_type=CONTENT_TYPES[name], as_attachment=True, filename=name)
    else:
        handle.close()
    response["ETag"] = etag
    response["Last-Modified"] = http_date(modified)
    patch_cache_control(response, no_cache=True)  # keep it, but ask again: a new version may be out
    return response


def site_url(request) -> str:
    """Where the files' event addresses point: settings.SITE_URL, or the site this request reached."""
    return settings.SITE_URL or request.build_absolute_uri("/")
