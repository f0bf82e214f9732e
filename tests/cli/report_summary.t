# report: the summary rows (comparison of two windows and the changes found) as text
cmd: d=$(mktemp -d) && tocsin ingest --db $d/t.db --keep-authors --watchlist tests/data/analyse/watchlist.yaml --lang-source input tests/data/analyse/small.jsonl 2>/dev/null && tocsin report --db $d/t.db --before 2021-08-01..2021-08-04 --after 2021-08-05..2021-08-08 --claim 3..5 --out $d/r.html 2>/dev/null && grep -E '^<tr><td><a href="#t' $d/r.html | sed -e 's/<[^>]*>/ /g' -e 's/  */ /g' ; s=$?; rm -rf $d; exit $s
status: 0
--- stdout
 fire en 8/80 32/81 3.95 1.78 to 9.92 (exact-binomial) &lt; 0.001 — Up 3.95-fold (95% CI 1.78 to 9.92, exact-binomial, p &lt; 0.001); the claim of 3 to 5-fold is supported: the interval overlaps it. supported 
 fire fr 4/40 4/40 1.00 0.19 to 5.37 (exact-binomial) 1.000 — No clear change: ratio 1 (95% CI 0.186 to 5.37, exact-binomial, p = 1); the claim of 3 to 5-fold is inconclusive: the data are also consistent with no change at all. inconclusive 
 flood en 0/80 1/81 ∞ 0.025 to ∞ (exact-binomial) 1.000 — Up from no posts at all (95% CI at least 0.0253-fold, exact-binomial, p = 1); the claim of 3 to 5-fold is inconclusive: the data are also consistent with no change at all. inconclusive 
 fire en 2021-08-05 2021-08-05 to 2021-08-05 ongoing 10% 39.5% 3.95 1.78 to 9.92 32 
