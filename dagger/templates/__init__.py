"""Workflow templates: task templates, their builders and the template interfaces."""
