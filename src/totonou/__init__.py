"""Totonou (整う): sales force automation for B2B sales teams."""

__version__ = "0.1.0"
