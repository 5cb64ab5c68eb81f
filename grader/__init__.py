"""dlcourse-grader: auto-graded NumPy deep-learning exercises with an isolated grader."""

__version__ = "0.1.0"
