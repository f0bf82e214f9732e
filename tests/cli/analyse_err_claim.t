# compare: a bad claim
cmd: tocsin compare --db /nonexistent.db --topic fire --before 2021-08-01..2021-08-04 --after 2021-08-05..2021-08-08 --claim 10..8
status: 3
--- stdout
--- stderr
tocsin: compare: --claim: '10..8' is not LOW..HIGH with 0 < LOW <= HIGH (e.g. 8..10)
