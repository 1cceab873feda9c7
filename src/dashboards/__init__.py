"""The QuickSight dashboards as code: datasets over the views, sheets, filters, request bodies.

``python -m dashboards`` (``make dashboards``) writes ``modules/dashboards/datasets.json`` and
``modules/dashboards/dashboard-definition.json`` (the module's inputs, committed; ``--check``
fails when they are stale) and ``build/dashboards/``: ``dashboard.json`` (the ``CreateDashboard``
request) and ``datasets/<key>.json`` (one ``CreateDataSet`` request each). Build tooling only:
no Lambda package ships it.
"""
