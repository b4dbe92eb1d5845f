"""What people read: bucket labels, notification messages, terminal rendering.

Pure, like the rest of :mod:`notifier.core`: times are formatted in a zone
that callers pass in, never read from the machine.
"""
