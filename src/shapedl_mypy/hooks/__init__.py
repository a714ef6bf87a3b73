"""Hooks for the irregular cases the registry cannot describe, named like `shapedl.ops`."""
