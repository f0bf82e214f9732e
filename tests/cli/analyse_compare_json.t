# compare JSON Lines: by none, raw posts per day (40 -> 68 posts over 4 days each), exact and quasi-Poisson bounds, dispersion
cmd: d=$(mktemp -d) && tocsin ingest --db $d/t.db --keep-authors --watchlist tests/data/analyse/watchlist.yaml --lang-source input tests/data/analyse/small.jsonl 2>/dev/null && tocsin compare --db $d/t.db --topic fire --before 2021-08-01..2021-08-04 --after 2021-08-05..2021-08-08 --by none --measure posts --normalize per-day --output json ; s=$?; rm -rf $d; exit $s
status: 0
--- stdout
{"topic":"fire","lang":"all","measure":"posts","normalize":"per-day","before":{"posts":12,"total":120,"days":4},"after":{"posts":36,"total":121,"days":4},"rate_ratio":3,"ci_low":1.52551,"ci_high":6.33287,"ci_method":"exact-binomial","level":0.95,"p_value":0.00071727,"q_value":0.00071727,"loo_min":1,"loo_max":4,"exact_low":1.52551,"exact_high":6.33287,"quasi_low":3,"quasi_high":3,"dispersion_before":0,"dispersion_after":0}
--- stderr
