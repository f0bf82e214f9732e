# tocsin serve refuses a non-loopback address without a token (issue 7), before touching the store
cmd: tocsin serve --db /nonexistent/none.db --listen 0.0.0.0:8080
status: 3
--- stdout
--- stderr
tocsin: field 'listen': 0.0.0.0:8080 is not a loopback address: serving it needs a token (--token TOKEN, or --token new to generate one)
