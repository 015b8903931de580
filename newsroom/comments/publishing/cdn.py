"""Telling CloudFront that published files changed, so that readers get them now rather
than when its cache expires (a day, for the template's pages).

``NEWSROOM_CLOUDFRONT_DISTRIBUTION`` names the distribution; boto3 finds credentials as
for the bucket. One invalidation per publish, of the files it changed (as their keys:
the template's viewer-request function turns a folder's address into its index.html
before the cache is asked). AWS bills invalidated paths beyond 1,000 a month; a publish
changing more than MAX_PATHS invalidates everything at once.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

MAX_PATHS = 100


def invalidate(distribution: str, changed: list[str], client: Any = None) -> str:
    """Ask for the invalidation; what was asked, for the publish's result."""
    if client is None:
        import boto3  # the Lambda runtime has it; elsewhere the s3 extra

        client = boto3.client("cloudfront")
    paths = sorted({"/" + path for path in changed})
    if len(paths) > MAX_PATHS:
        paths = ["/*"]
    client.create_invalidation(
        DistributionId=distribution,
        InvalidationBatch={
            "Paths": {"Quantity": len(paths), "Items": paths},
            "CallerReference": f"newsroom-{time.time_ns()}-{secrets.token_hex(4)}",
        },
    )
    return f"{len(paths)} paths invalidated" if paths != ["/*"] else "all paths invalidated"
