"""Claude usage notifier: desktop notifications before Claude usage limits bite.

Only the version lives here, so that importing the package stays instant.
"""

__version__ = "0.1.0"
