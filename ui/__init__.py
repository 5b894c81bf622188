"""The top layer: the `kb` command and the page's views, over ingest and the recommender."""
