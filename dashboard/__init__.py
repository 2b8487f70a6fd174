"""The Dash dashboard: shell (app.py), shared components and pages."""
