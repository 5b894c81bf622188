"""The recommender's Python API, shared by the CLI and the page.

from recommender import Recommender
answer = Recommender.load("data/kb").recommend("we overstock slow sellers", k=5)
"""

from recommender.service import Answer, Passage, Recommendation, Recommender

__all__ = ["Answer", "Passage", "Recommendation", "Recommender"]
