"""Moving a site over: WordPress and Disqus exports read, their posts made articles and
their comments ours (issue 15: `newsroom import wordpress` brings posts and pages so
far)."""
