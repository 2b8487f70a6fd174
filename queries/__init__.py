"""SQL query modules: one module per METRICS.md section, SQLAlchemy 2 Core, no Dash."""
