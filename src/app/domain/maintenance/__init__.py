"""Maintenance: the nightly clean-up of what time has made stale."""
