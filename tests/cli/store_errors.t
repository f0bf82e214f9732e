# errors: no store, no watchlist, bad bucket
cmd: tocsin trend --db /nonexistent/x.db; tocsin ingest --db /tmp/x.db tests/data/store/day1.jsonl; tocsin trend --by year
status: 3
--- stdout
--- stderr
tocsin: /nonexistent/x.db: no store here (make one with 'tocsin ingest --db /nonexistent/x.db')
tocsin: ingest: --watchlist FILE is required (see 'tocsin ingest --help')
tocsin: trend: --by: 'year' is not hour, day, week or month
