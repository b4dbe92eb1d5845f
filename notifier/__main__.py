"""Allow ``python -m notifier``, which the login item uses."""

from notifier.cli import main

raise SystemExit(main())
