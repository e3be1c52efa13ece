"""The whole public record as files (services/bulk_files.py, web/downloads.py): they follow edits, 304 when unchanged."""

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from events.services import bulk_files
from events.tests.factories import make_event, make_leader, make_quote

pytestmark = pytest.mark.django_db


@pytest.fixture
def bulk(settings, tmp_path):
    settings.BULK_DIR = tmp_path / "bulk"
    settings.BULK_IN_BACKGROUND = False  # the test's transaction is invisible to another thread
    return settings.BULK_DIR


@pytest.fixture
def events():
    duterte = make_leader("Rodrigo Duterte", "PH", office="President of the Philippines")
    putin = make_leader("Vladimir Putin", "RU")
    lima = make_event("Duterte meets Putin in Lima", participants=(duterte, putin))
    make_quote(lima, duterte, "Matuloy ho.", language="fil", english="It's pushing through.")
    draft = make_event("A draft nobody may see", participants=(duterte, putin), published=False)
    return {"lima": lima, "draft": draft}


def download(client, name, **headers):
    response = client.get(reverse("events:bulk_file", kwargs={"filename": name}), headers=headers)
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return response, content.decode()


def test_the_files_hold_every_published_event_and_no_draft(client, bulk, events):
    """The JSON file's events and the CSV file's rows: the published one with its quote; the draft absent."""
    response, text = download(client, "events.json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert 'filename="events.json"' in response["Content-Disposition"]
    data = json.loads(text)
    assert [e["title"] for e in data["events"]] == ["Duterte meets Putin in Lima"] and data["count"] == 1
    assert data["events"][0]["quotes"][0]["english"] == "It's pushing through."
    response, text = download(client, "events.csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["title"] for row in rows] == ["Duterte meets Putin in Lima"]
    assert rows[0]["url"] == "http://testserver" + events["lima"].get_absolute_url()


def test_the_files_follow_an_edit(client, bulk, events):
    """Edit, download: the file served shows the edit (regenerated once, the previous one kept, older ones removed)."""
    download(client, "events.json")
    first = bulk_files.current(bulk)
    lima = events["lima"]
    lima.title = "Duterte and Putin meet in Lima"
    lima.save()
    response, text = download(client, "events.json")
    assert [e["title"] for e in json.loads(text)["events"]] == ["Duterte and Putin meet in Lima"]
    assert bulk_files.current(bulk).stamp != first.stamp
    events["draft"].delete()
    download(client, "events.csv")
    stamps = {path.stem.removeprefix("events-") for path in bulk.glob("events-*")}
    assert len(stamps) == 2 and first.stamp not in stamps  # the current and the one before


def test_a_client_holding_the_files_gets_a_304(client, bulk, events):
    """If-None-Match with the ETag served: 304 until the record changes, then the new file with a new ETag."""
    response, _ = download(client, "events.csv")
    etag = response["ETag"]
    assert etag.startswith('"') and response["Last-Modified"]
    again, text = download(client, "events.csv", if_none_match=etag)
    assert again.status_code == 304 and text == ""
    assert download(client, "events.json", if_none_match=etag)[0].status_code == 200  # each file its own ETag
    events["lima"].summary = "They met on the sidelines of APEC."
    events["lima"].save()
    changed, text = download(client, "events.csv", if_none_match=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag and "sidelines of APEC" in text


def test_behind_the_record_the_previous_files_are_served_while_new_ones_are_written(client, bulk, events, monkeypatch):
    """A download that finds the files behind starts a regeneration and gets the previous files meanwhile."""
    download(client, "events.json")
    started = []
    monkeypatch.setattr(bulk_files, "refresh", lambda directory, **options: started.append(directory))
    events["lima"].title = "A new title"
    events["lima"].save()
    response, text = download(client, "events.json")
    assert started == [bulk] and response.status_code == 200
    assert "Duterte meets Putin in Lima" in text


def test_before_the_first_files_a_503_says_when_to_come_back(client, bulk, events, monkeypatch):
    monkeypatch.setattr(bulk_files, "refresh", lambda directory, **options: True)
    response, text = download(client, "events.csv")
    assert response.status_code == 503 and response["Retry-After"] == "60" and "being written" in text


def test_unknown_file_is_a_404(client, bulk):
    assert download(client, "passwords.txt")[0].status_code == 404


def test_the_command_writes_them(bulk, events, capsys):
    call_command("export_bulk_files", "--site-url", "https://tracker.example")
    assert "1 events written" in capsys.readouterr().out
    data = json.loads(bulk_files.current(bulk).path(bulk, "events.json").read_text())
    assert data["events"][0]["url"].startswith("https://tracker.example/events/")


def test_one_regeneration_at_a_time(bulk, events, capsys):
    """While another process holds the directory's lock, neither a refresh nor `--no-wait` writes anything."""
    with bulk_files.exclusive(bulk) as ours:
        assert ours
        assert bulk_files.refresh(bulk, site_url="http://x", background=False) is False
        call_command("export_bulk_files", "--no-wait")
        assert "nothing done" in capsys.readouterr().out
        assert bulk_files.current(bulk) is None


def test_in_the_background_a_process_of_its_own_once(bulk, events, monkeypatch):
    """The first download after a change starts `export_bulk_files --no-wait`; the next one, moments later, does not."""
    started = []
    monkeypatch.setattr(bulk_files.subprocess, "Popen", lambda command, **options: started.append(command))
    monkeypatch.setattr(bulk_files, "_last_spawn", [0.0])
    assert bulk_files.refresh(bulk, site_url="http://testserver/") is True
    assert bulk_files.refresh(bulk, site_url="http://testserver/") is False
    assert len(started) == 1 and started[0][-3:] == ["--no-wait", "--site-url", "http://testserver/"]
    assert "export_bulk_files" in started[0]
