"""Source adapters. The built-ins are imported here so that they register themselves."""
