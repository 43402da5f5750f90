"""Fault injection (issue 7): the platform's services as real processes, under load, while
their database or broker fails under them; then the outcome is checked from the stores."""
