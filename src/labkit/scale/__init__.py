"""The scale simulation (``make scale``): N accounts over D days, loaded and measured.

``generate`` and ``populate`` build and load the data (deterministic documents, sample days
through the real receiver with concurrent workers, the rest of the history at bulk speed);
``measure`` times every view, report query and dashboard dataset and sizes the tables;
``markdown`` renders the tables; ``python -m labkit.scale`` drives it all and writes
``docs/scale.md``.
"""
