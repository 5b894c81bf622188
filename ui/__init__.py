"""The top layer: the `kb` command and the page's views, over ingest, learn and the recommender."""
