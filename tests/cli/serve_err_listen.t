# a listen address must be ADDR:PORT with an IP address
cmd: tocsin serve --db /nonexistent/none.db --listen localhost
status: 3
--- stdout
--- stderr
tocsin: field 'listen': 'localhost' is not ADDR:PORT with an IP address (e.g. 127.0.0.1:8080, [::1]:8080, 0.0.0.0:8080)
