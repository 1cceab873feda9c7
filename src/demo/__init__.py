"""`make demo`: the whole platform on an emulated AWS Organization (see `demo.pipeline`)."""
