"""Pydantic bodies of the REST API: separate Create, Update and Public models per resource."""
