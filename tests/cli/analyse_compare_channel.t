# compare by channel: one row per channel, loo null (a channel has no other channel to leave out)
cmd: d=$(mktemp -d) && tocsin ingest --db $d/t.db --keep-authors --watchlist tests/data/analyse/watchlist.yaml --lang-source input tests/data/analyse/small.jsonl 2>/dev/null && tocsin compare --db $d/t.db --topic fire --before 2021-08-01..2021-08-04 --after 2021-08-05..2021-08-08 --by channel --output json ; s=$?; rm -rf $d; exit $s
status: 0
--- stdout
{"topic":"fire","channel":"infos","measure":"unique","normalize":"share","before":{"posts":4,"total":40,"days":4},"after":{"posts":4,"total":40,"days":4},"rate_ratio":1,"ci_low":0.186258,"ci_high":5.36891,"ci_method":"exact-binomial","level":0.95,"p_value":1,"q_value":1,"loo_min":null,"loo_max":null,"exact_low":0.186258,"exact_high":5.36891,"quasi_low":1,"quasi_high":1,"dispersion_before":0,"dispersion_after":0}
{"topic":"fire","channel":"news","measure":"unique","normalize":"share","before":{"posts":8,"total":80,"days":4},"after":{"posts":32,"total":81,"days":4},"rate_ratio":3.95062,"ci_low":1.78294,"ci_high":9.92295,"ci_method":"exact-binomial","level":0.95,"p_value":0.000212046,"q_value":0.000424092,"loo_min":null,"loo_max":null,"exact_low":1.78294,"exact_high":9.92295,"quasi_low":3.80019,"quasi_high":4.107,"dispersion_before":0,"dispersion_after":0.0047619}
--- stderr
