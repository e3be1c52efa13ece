"""The public read-only JSON API, `/api/v1/` (v1.py), beside the pages of events/web, whose reads it shares."""
