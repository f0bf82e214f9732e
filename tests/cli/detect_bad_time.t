# tocsin detect: an impossible date is an error naming file:line
cmd: tocsin detect tests/data/detect/bad_time.csv
status: 4
--- stdout
timestamp,value,anomaly_score
2015-02-26 21:40:00,1,0.000000
--- stderr
tocsin: tests/data/detect/bad_time.csv:3: field 'timestamp': "2015-02-30 21:45:00" is not a time ("YYYY-MM-DD HH:MM:SS", ISO-8601 or epoch)
