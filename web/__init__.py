"""HTTP concerns of the server around the app: security headers, health checks, request logs,
running behind a reverse proxy. Imported only by app.py."""
