"""Shared dashboard components: filter_bar, kpi_card, charts, drilldown, live, navbar, blocks.

Pages import what they need: `from dashboard.components import blocks, charts, drilldown`.
Callbacks of the shared components are registered once per app by dashboard.app.create_dash_app.
"""
