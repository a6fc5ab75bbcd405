"""Scrapy components: the add-on and runtime, the base spider and discovery, one middleware or extension a module."""
