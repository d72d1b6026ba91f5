"""docs/performance.md has two writers: bench.pages rewrites the file and keeps bench.concurrency's
last section; bench.concurrency rewrites only the generated part of that section."""
from bench.concurrency import BEGIN, END, write_section
from bench.pages import KEPT_SECTION, with_kept_section

SECTION = f"{KEPT_SECTION}\n\nWhy one server holds them.\n\n{BEGIN}\nold table\n{END}\n\nHow many servers.\n"


def test_the_page_benchmark_keeps_the_sessions_section_and_only_it():
    previous = "# Performance\n\nold page tables\n\n" + SECTION
    assert with_kept_section("# Performance\n\nnew page tables\n", previous) == \
        "# Performance\n\nnew page tables\n\n" + SECTION
    assert with_kept_section("# Performance\n\nnew page tables\n", "# Performance\n\nold\n") == \
        "# Performance\n\nnew page tables\n\n"


def test_the_concurrency_benchmark_replaces_its_table_and_keeps_the_prose(tmp_path):
    doc = tmp_path / "performance.md"
    doc.write_text("# Performance\n\npage tables\n\n" + SECTION)
    write_section(doc, "new table")
    assert doc.read_text() == "# Performance\n\npage tables\n\n" + SECTION.replace("old table", "new table")
    fresh = tmp_path / "fresh.md"
    fresh.write_text("# Performance\n\npage tables\n")
    write_section(fresh, "a table")
    assert fresh.read_text() == f"# Performance\n\npage tables\n\n{KEPT_SECTION}\n\n{BEGIN}\na table\n{END}\n"
