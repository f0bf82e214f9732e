# compare: a window without ..
cmd: tocsin compare --db /nonexistent.db --topic fire --before 2021-08-01 --after 2021-08-06..2021-08-07
status: 3
--- stdout
--- stderr
tocsin: compare: --before: '2021-08-01' is not a range FROM..TO of days (YYYY-MM-DD..YYYY-MM-DD)
