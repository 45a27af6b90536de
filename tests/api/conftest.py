from tests.catalog.fixtures import presets  # noqa: F401
