"""`make soak`: sustained load against real gunicorn (see soak/soak.py)."""
