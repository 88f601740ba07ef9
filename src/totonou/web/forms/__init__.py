"""Web forms: the pages' forms over the domain services."""
