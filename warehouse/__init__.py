"""The warehouse contract (schema), the synthetic demo generator, and the build that loads a book and runs the dbt project in transform/."""
