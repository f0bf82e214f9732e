# surges report: chart with the change marked, ratio with interval, evidence; fr has no surge
cmd: d=$(mktemp -d) && tocsin ingest --db $d/t.db --keep-authors --watchlist tests/data/analyse/watchlist.yaml --lang-source input tests/data/analyse/small.jsonl 2>/dev/null && tocsin surges --db $d/t.db --topic fire --top 2 ; s=$?; rm -rf $d; exit $s
status: 0
--- stdout
Topic's share of all unique posts, by day, method pelt

fire / en: 8 days, 1 change; quasi-poisson cost, penalty 6.24 (3 log n per change), dispersion 1
  ▂▂▂▂████  2021-08-01..2021-08-08
      ^     ^ = start of a finding
  surge from 2021-08-05, ongoing
    ×3.95 (95 % CI 1.78–9.92, exact-binomial) against the regime before: share 10 % -> 39.5 %
    32 unique posts, 32 posts kept as evidence
    terms: wildfire (32)
    channels: news (32)
    first posts:
      2021-08-05T00:00:00Z news "adgxs maazcoyb srckk wildfire ropyugah lmdds gooss ycsxxbp"
      2021-08-05T01:21:00Z news "lcer xpuq yofdij wildfire nwwfoxd kkgamzh gzlv itagcc"

fire / fr: 8 days, 0 changes; quasi-poisson cost, penalty 6.24 (3 log n per change), dispersion 1
  ████████  2021-08-01..2021-08-08
  no surge

--- stderr
