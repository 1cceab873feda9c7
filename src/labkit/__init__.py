"""The lab: tools that `make demo`, `make bench` and `make test` run, and that the tests import.

A throwaway PostgreSQL (``pgcluster``), the Data API double (``data_api_double``), a fake Cost
Explorer (``cost_explorer``), large and hostile sender documents (``large_documents``,
``hostile_documents``) and a headless Chromium driver (``browser``). Installed with the project
(``pip install -e .``) for local work only: never deployed, and in neither Lambda zip
(``scripts/package.py`` selects the deployed packages by name).
"""
