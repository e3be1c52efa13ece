"""
One stored search document per event (title, summary and every quote), on PostgreSQL.

Until now `q` was a UNION of two GIN lookups (events, quotes) whose matches
had to be gathered whole and sorted by date before the first 50 were known:
1.2 s for a word found in a tenth of a million events (issue 16). With the
event's whole text in one `tsvector` column beside its date, the planner can
also walk a date-ordered index (the list's, a timeline's, a country's) and test
each row with one cheap `@@`, stopping at the page's 51st match; a rare word is
still a bitmap scan of the column's GIN index. Which of the two is cheaper is
the planner's to judge, from the column's statistics.

The column is kept by triggers, so that every write path (the admin, the
importer, the generator's COPY, a shell `update()`) keeps it in step: an event's
own row when its title or summary is written, and, once per statement, the
events whose quotes were inserted, changed or deleted. It is not a model
field: no page reads it, and SQLite (substring search, events/models/search.py)
has no such column.
"""

import importlib

from django.db import migrations

DOCUMENT_OF_EVENT = "to_tsvector('simple', coalesce({row}.title, '') || ' ' || coalesce({row}.summary, ''))"

FORWARD = f"""
ALTER TABLE events_event ADD COLUMN search_document tsvector;

-- The events `ids` get their document afresh: title and summary, then their quotes (none: nothing added).
CREATE FUNCTION events_refresh_search_documents(ids bigint[]) RETURNS void LANGUAGE sql AS $$
    UPDATE events_event e
    SET search_document = {DOCUMENT_OF_EVENT.format(row="e")} || q.document
    FROM (
        SELECT x.id, to_tsvector('simple', coalesce(string_agg(
            coalesce(quote.original_text, '') || ' ' || coalesce(quote.english_text, ''), ' '), '')) AS document
        FROM (SELECT DISTINCT unnest(ids) AS id) x
        LEFT JOIN events_quote quote ON quote.event_id = x.id
        GROUP BY x.id
    ) q
    WHERE e.id = q.id
$$;

-- A new event has no quotes yet (they reference it); a changed title or summary rereads them.
CREATE FUNCTION events_event_search_document() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_document := {DOCUMENT_OF_EVENT.format(row="NEW")};
    IF TG_OP = 'UPDATE' THEN
        NEW.search_document := NEW.search_document || coalesce((
            SELECT to_tsvector('simple', string_agg(
                coalesce(original_text, '') || ' ' || coalesce(english_text, ''), ' '))
            FROM events_quote WHERE event_id = NEW.id), ''::tsvector);
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER events_event_search_document BEFORE INSERT OR UPDATE OF title, summary ON events_event
    FOR EACH ROW EXECUTE FUNCTION events_event_search_document();

-- Once per statement, set-based: a COPY of 30,000 quotes is one UPDATE, not 30,000.
CREATE FUNCTION events_quote_search_document() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM events_refresh_search_documents(ARRAY(SELECT event_id FROM new_rows));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM events_refresh_search_documents(
            ARRAY(SELECT event_id FROM new_rows UNION SELECT event_id FROM old_rows));
    ELSE
        PERFORM events_refresh_search_documents(ARRAY(SELECT event_id FROM old_rows));
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER events_quote_search_document_insert AFTER INSERT ON events_quote
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION events_quote_search_document();
CREATE TRIGGER events_quote_search_document_update AFTER UPDATE ON events_quote
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION events_quote_search_document();
CREATE TRIGGER events_quote_search_document_delete AFTER DELETE ON events_quote
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION events_quote_search_document();

-- The existing record, in one pass.
UPDATE events_event e
SET search_document = {DOCUMENT_OF_EVENT.format(row="e")} || coalesce(q.document, ''::tsvector)
FROM events_event e2
LEFT JOIN (
    SELECT event_id, to_tsvector('simple', string_agg(
        coalesce(original_text, '') || ' ' || coalesce(english_text, ''), ' ')) AS document
    FROM events_quote GROUP BY event_id
) q ON q.event_id = e2.id
WHERE e.id = e2.id;

CREATE INDEX event_document_idx ON events_event USING gin (search_document);
DROP INDEX IF EXISTS event_search_idx;
DROP INDEX IF EXISTS quote_search_idx;
ANALYZE events_event;
"""

BACKWARD = """
DROP TRIGGER events_quote_search_document_insert ON events_quote;
DROP TRIGGER events_quote_search_document_update ON events_quote;
DROP TRIGGER events_quote_search_document_delete ON events_quote;
DROP TRIGGER events_event_search_document ON events_event;
DROP FUNCTION events_quote_search_document();
DROP FUNCTION events_event_search_document();
DROP FUNCTION events_refresh_search_documents(bigint[]);
ALTER TABLE events_event DROP COLUMN search_document;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET LOCAL statement_timeout = 0")
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)
        # The two expression indexes the document replaced, as 0005 built them.
        for model, index in importlib.import_module(
            "events.migrations.0005_siteversion_and_search_indexes"
        ).search_indexes(apps):
            schema_editor.add_index(model, index)


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0013_pair_month_reviewed"),
    ]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
