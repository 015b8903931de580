"""The AWS Lambda entry that deployments name: ``newsroom.lambda_handler.handler``."""

from newsroom.service.lambda_entry import handler

__all__ = ["handler"]
