"""Root conftest: pytest-django finds the project here; fixtures live in tests/conftest.py."""
