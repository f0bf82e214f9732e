# compare: a window that ends before it starts
cmd: tocsin compare --db /nonexistent.db --topic fire --before 2021-08-05..2021-08-01 --after 2021-08-06..2021-08-07
status: 3
--- stdout
--- stderr
tocsin: compare: --before: '2021-08-05..2021-08-01' ends before it starts
