"""Notifications: delivery (`.sinks`), discovery (`.chooser`), the facade (`.notifier`).

Edge. Import the submodule you need; nothing is re-exported, so importing the
package costs nothing.
"""
