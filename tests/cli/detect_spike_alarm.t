# tocsin detect: a noisy daily wave (15-minute rows) with a 3-row spike at rows 600-602 raises
# exactly one alarm (score >= 0.5), on its first row; the timestamps of alarms are printed.
cmd: tocsin detect tests/data/detect/spike.csv | awk -F, 'NR > 1 && $3 >= 0.5 {print $1}'
status: 0
--- stdout
2015-03-07 06:00:00
--- stderr
