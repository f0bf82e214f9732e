# compare per language: en's share of unique posts quadruples (8/80 -> 32/81), fr stays (4/40 -> 4/40); claim 3..5 supported for en, inconclusive for fr; daily chart with the windows
cmd: d=$(mktemp -d) && tocsin ingest --db $d/t.db --keep-authors --watchlist tests/data/analyse/watchlist.yaml --lang-source input tests/data/analyse/small.jsonl 2>/dev/null && tocsin compare --db $d/t.db --topic fire --before 2021-08-01..2021-08-04 --after 2021-08-05..2021-08-08 --claim 3..5 ; s=$?; rm -rf $d; exit $s
status: 0
--- stdout
Topic's share of all unique posts in the same language and channels, per language

fire / en
  before 2021-08-01..2021-08-04: 8 unique posts of 80 (10 %), 4 days, 2 a day
  after  2021-08-05..2021-08-08: 32 unique posts of 81 (39.5 %), 4 days, 8 a day
  ×3.95 (95 % CI 1.78–9.92, exact-binomial)  p < 0.001, q < 0.001
  Up 3.95-fold (95% CI 1.78 to 9.92, exact-binomial, p < 0.001); the claim of 3 to 5-fold is supported: the interval overlaps it.
  ▂▂▂▂████  max 40 %
  BBBBAAAA  B = before, A = after; 2021-08-01..2021-08-08, one day per column

fire / fr
  before 2021-08-01..2021-08-04: 4 unique posts of 40 (10 %), 4 days, 1 a day
  after  2021-08-05..2021-08-08: 4 unique posts of 40 (10 %), 4 days, 1 a day
  ×1.00 (95 % CI 0.19–5.37, exact-binomial)  p = 1.000, q = 1.000
  No clear change: ratio 1 (95% CI 0.186 to 5.37, exact-binomial, p = 1); the claim of 3 to 5-fold is inconclusive: the data are also consistent with no change at all.
  ████████  max 10 %
  BBBBAAAA  B = before, A = after; 2021-08-01..2021-08-08, one day per column

--- stderr
