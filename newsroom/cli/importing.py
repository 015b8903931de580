"""`newsroom import wordpress EXPORT.xml`: a WordPress site's posts and pages moved over
(issue 15: comments, redirects and Disqus to come)."""

from __future__ import annotations

import json
import sys


def run_wordpress(args) -> int:
    from newsroom.importing import wxr
    from newsroom.importing.wordpress import import_articles

    try:
        report = import_articles(args.export, args.content, dry_run=args.dry_run)
    except wxr.ExportError as exc:
        print(f"newsroom: {exc}", file=sys.stderr)
        return 2
    if args.json:
        data = {
            "articles": report.articles,
            "pages": report.pages,
            "imported_before": report.kept,
            "skipped": dict(sorted(report.skipped.items())),
            "renamed": report.renamed,
            "dry_run": args.dry_run,
        }
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print("\n".join(report.lines()))
        if args.dry_run:
            print("Dry run: nothing was written.")
    return 0
