# compare: not a date
cmd: tocsin compare --db /nonexistent.db --topic fire --before 2021-02-30..2021-03-01 --after 2021-08-06..2021-08-07
status: 3
--- stdout
--- stderr
tocsin: compare: --before: '2021-02-30' is not a date YYYY-MM-DD
