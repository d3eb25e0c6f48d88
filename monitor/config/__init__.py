"""The config file and what it is made of: settings, units, secrets by reference, schedules.

Import from the modules (`monitor.config.settings` for `Config` and `load`); this package
imports nothing, so `sources.base` may use `monitor.config.units` and `.secrets` without a circle.
"""
