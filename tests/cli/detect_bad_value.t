# tocsin detect: a non-numeric value is an error naming file:line and the field, after the good rows
cmd: tocsin detect tests/data/detect/bad_value.csv
status: 4
--- stdout
timestamp,value,anomaly_score
2015-02-26 21:40:00,1,0.000000
2015-02-26 21:45:00,2,0.000000
--- stderr
tocsin: tests/data/detect/bad_value.csv:4: field 'value': "abc" is not a finite number
