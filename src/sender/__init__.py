"""Sender: collects a daily picture of one AWS account and uploads it to the analytics bucket.

``sender.handler.lambda_handler`` is the Lambda entry point, ``python -m sender`` the operator
command line; both call `sender.collect.collect`, which runs the collectors in
`sender.collectors` through `sender.runner` and assembles one document (the contract in
``contract``).
"""


def __getattr__(name: str) -> str:
    """``sender.__version__``: the platform version (``observability/VERSION``), read lazily."""
    if name == "__version__":
        from observability import version

        return version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
