# tocsin detect --column: the value column may have another name (here "count")
cmd: tocsin detect --column count tests/data/detect/count.csv | head -n 3
status: 0
--- stdout
timestamp,value,anomaly_score
2015-02-26 21:40:00,104,0.000000
2015-02-26 21:45:00,100,0.000000
--- stderr
