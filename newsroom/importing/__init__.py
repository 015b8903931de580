"""Moving a site over: WordPress and Disqus exports read, their posts made articles and
their comments ours (issue 15; the command comes with the rest)."""
