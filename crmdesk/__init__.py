"""crmdesk: a desktop CRM in the style of 1C:Enterprise."""

__version__ = "0.1.0"
