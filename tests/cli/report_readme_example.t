# report: the README's example command, on the bundled sample (examples/), in a fresh directory
cmd: r=$PWD; d=$(mktemp -d) && cd $d && tocsin ingest --db tocsin.db --watchlist $r/examples/afghanistan-2021.yaml $r/examples/chatter-2021.jsonl 2>/dev/null && tocsin report --db tocsin.db --before 2021-08-01..2021-08-14 --after 2021-08-15..2021-08-28 --out report.html && grep -oE '<h2>[^<]*' report.html && grep -c '^<tr><td><a href="#t' report.html && { grep -qiE '<script|https?://[^w]' report.html && echo 'script or URL found' || echo self-contained; }; s=$?; cd $r; rm -rf $d; exit $s
status: 0
--- stdout
<h2>Summary
<h2>iskp 
<h2>kabul-airport 
<h2>taliban 
<h2>Coverage
<h2>Methods
22
self-contained
--- stderr
tocsin: report: wrote report.html
