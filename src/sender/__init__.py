"""Sender: collects a daily picture of one AWS account and uploads it to the analytics bucket.

``sender.handler.lambda_handler`` is the Lambda entry point, ``python -m sender`` the operator
command line; both call `sender.collect.collect`, which runs the collectors in
`sender.collectors` through `sender.runner` and assembles one document (the contract in
``observability.contract``).
"""

__version__ = "0.1.0"
