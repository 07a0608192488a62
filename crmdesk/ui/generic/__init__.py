"""Generic forms: dynamic list, object form, document form, report form."""
