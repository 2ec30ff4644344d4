"""The environment file: its typed sections, composed in one place; tiers, secrets, safety rules."""
