# compare: --topic is required
cmd: tocsin compare --db /nonexistent.db --before 2021-08-01..2021-08-04 --after 2021-08-05..2021-08-08
status: 3
--- stdout
--- stderr
tocsin: compare: --topic is required (try --help)
