"""Project maintenance tools (not shipped in the wheel): see tools/api_snapshot.py."""
