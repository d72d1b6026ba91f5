"""Command line for the data team: generate the synthetic book into a DuckDB file or a PostgreSQL
database and build its marts with `dbt build` (the project's default vars). Nothing of the app: its
demo write-back history (churn tags, renewal forecasts) is `python -m queries.demo_book`. A
PostgreSQL database that does not exist yet is created (when the user may), else the command says how.

    python -m warehouse --target data/big.duckdb --accounts 200000
    python -m warehouse --target postgresql+psycopg2://postgres@127.0.0.1:5432/cockpit --accounts 20000
"""
from warehouse.cli import parser, run

if __name__ == "__main__":
    run(parser(__doc__).parse_args())
