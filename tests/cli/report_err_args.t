# report: argument errors (no --out, a lone --before, a claim without windows, bad dates)
cmd: d=$(mktemp -d) && tocsin ingest --db $d/t.db --keep-authors --watchlist tests/data/analyse/watchlist.yaml --lang-source input tests/data/analyse/small.jsonl 2>/dev/null && tocsin report --db $d/t.db; echo $?; tocsin report --db $d/t.db --before 2021-08-01..2021-08-04 --out $d/r.html; echo $?; tocsin report --db $d/t.db --claim 2..3 --out $d/r.html; echo $?; tocsin report --db $d/t.db --before 2021-08-01..2021-08-04 --after 2021-08-09..2021-08-05 --out $d/r.html; echo $?; tocsin report --db $d/t.db --evidence 0 --out $d/r.html; echo $?; test ! -e $d/r.html ; s=$?; rm -rf $d; exit $s
status: 0
--- stdout
3
3
3
3
3
--- stderr
tocsin: report: --out FILE is required (try --help)
tocsin: report: --before and --after go together
tocsin: report: --claim needs --before and --after
tocsin: report: --after: '2021-08-09..2021-08-05' ends before it starts
tocsin: report: --evidence: '0' is not a number from 1 to 1000
