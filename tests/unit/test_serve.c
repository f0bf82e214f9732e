/* test_serve.c: unit tests of stage serve: JSON string escaping (hostile text stays inert),
 * query-parameter validation of the API writers, token generation, the refusals of
 * tocsin_server_start, and a running server on a fresh store answering over a socket (401
 * without the token, 200 with it, 400 JSON errors, no file paths). */
#include "check.h"
#include "serve/serve_int.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void test_json_str(void)
{
    tc_buf b;
    tc_buf_init(&b, 0);
    const char *in = "<script>\"a\\b\"</script>&\n\x01\x7f";
    CHECK(sv_json_str(&b, in, strlen(in)) == TOCSIN_OK);
    CHECK_STR(b.data, "\"\\u003cscript\\u003e\\\"a\\\\b\\\"\\u003c/script\\u003e\\u0026\\n\\u0001\\u007f\"");
    tc_buf_reset(&b);
    /* invalid UTF-8 becomes U+FFFD; valid multibyte text passes; U+2028 is escaped */
    const char bad[] = "a\xff\xc3\xa9\xe2\x80\xa8\xef\xbf\xbd";
    CHECK(sv_json_str(&b, bad, sizeof bad - 1) == TOCSIN_OK);
    CHECK_STR(b.data, "\"a\\ufffd\xc3\xa9\\u2028\xef\xbf\xbd\"");
    tc_buf_reset(&b);
    CHECK(sv_json_num(&b, 0.0 / 0.0) == TOCSIN_OK);
    CHECK(sv_json_num(&b, 1.5) == TOCSIN_OK);
    CHECK_STR(b.data, "null1.5");
    tc_buf_free(&b);
}

/* A parameter source from a NULL-terminated list of name, value pairs. */
static const char *pairs_get(void *ctx, const char *name)
{
    const char *const *p = ctx;
    for (; p[0]; p += 2)
        if (!strcmp(p[0], name))
            return p[1];
    return NULL;
}

static tocsin_store *make_store(const char *dir, char *path, size_t cap)
{
    snprintf(path, cap, "%s/s.db", dir);
    tocsin_store *s = NULL;
    tocsin_error err;
    CHECK(tocsin_store_open(path, false, NULL, NULL, &s, &err) == TOCSIN_OK);
    return s;
}

static void test_params(void)
{
    char dir[] = "/tmp/tocsin-test-serve-XXXXXX", path[256];
    CHECK(mkdtemp(dir) != NULL);
    tocsin_store *s = make_store(dir, path, sizeof path);
    tc_buf b;
    tc_buf_init(&b, 0);
    tocsin_error err;
    const char *by[] = {"by", "year", NULL};
    CHECK(sv_api_trend(s, pairs_get, by, &b, &err) == TOCSIN_ERR_USAGE);
    CHECK_STR(err.field, "by");
    const char *ctl[] = {"topic", "a\tb", NULL};
    CHECK(sv_api_trend(s, pairs_get, ctl, &b, &err) == TOCSIN_ERR_USAGE);
    CHECK_STR(err.field, "topic");
    const char *badutf[] = {"lang", "\xff", NULL};
    CHECK(sv_api_trend(s, pairs_get, badutf, &b, &err) == TOCSIN_ERR_USAGE);
    const char *nowin[] = {"topic", "t", "before", "2024-01-01..2024-01-05", NULL};
    CHECK(sv_api_compare(s, pairs_get, nowin, &b, &err) == TOCSIN_ERR_USAGE);
    CHECK_STR(err.field, "after");
    const char *claim[] = {"topic", "t", "before", "2024-01-01..2024-01-05", "after",
                           "2024-02-01..2024-02-05", "claim", "3..1", NULL};
    CHECK(sv_api_compare(s, pairs_get, claim, &b, &err) == TOCSIN_ERR_USAGE);
    CHECK_STR(err.field, "claim");
    const char *lvl[] = {"level", "1", NULL};
    CHECK(sv_api_surges(s, pairs_get, lvl, &b, &err) == TOCSIN_ERR_USAGE);
    const char *top[] = {"top", "5x", NULL};
    CHECK(sv_api_surges(s, pairs_get, top, &b, &err) == TOCSIN_ERR_USAGE);
    /* an empty store: an empty trend and empty sources */
    const char *none[] = {NULL};
    tc_buf_reset(&b);
    CHECK(sv_api_trend(s, pairs_get, none, &b, &err) == TOCSIN_OK);
    CHECK_STR(b.data, "[]\n");
    tc_buf_reset(&b);
    CHECK(sv_api_sources(s, pairs_get, none, &b, &err) == TOCSIN_OK);
    CHECK_STR(b.data, "{\"sources\":[],\n\"channels\":[]}\n");
    tc_buf_free(&b);
    tocsin_store_close(s);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}

static void test_token(void)
{
    char a[64], b[64], small[8];
    tocsin_error err;
    CHECK(tocsin_serve_token_new(a, sizeof a, &err) == TOCSIN_OK);
    CHECK(tocsin_serve_token_new(b, sizeof b, &err) == TOCSIN_OK);
    CHECK_INT(strlen(a), 32);
    CHECK(strcmp(a, b) != 0);
    CHECK(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == 32);
    CHECK(tocsin_serve_token_new(small, sizeof small, &err) == TOCSIN_ERR_USAGE);
}

/* GET `path` with an optional extra header line; returns the status code, body into buf. */
static int http_get(uint16_t port, const char *path, const char *header, char *buf, size_t cap)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(0x7f000001);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    char req[1024];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n%s%sConnection: close\r\n\r\n",
                     path, port, header ? header : "", header ? "\r\n" : "");
    if (write(fd, req, (size_t)n) != n) {
        close(fd);
        return -1;
    }
    size_t got = 0;
    ssize_t r;
    while (got + 1 < cap && (r = read(fd, buf + got, cap - 1 - got)) > 0)
        got += (size_t)r;
    buf[got] = '\0';
    close(fd);
    int status = -1;
    sscanf(buf, "HTTP/1.1 %d", &status);
    return status;
}

static void test_server(void)
{
    char dir[] = "/tmp/tocsin-test-serve-XXXXXX", path[256];
    CHECK(mkdtemp(dir) != NULL);
    tocsin_store_close(make_store(dir, path, sizeof path));
    tocsin_serve_opts o;
    tocsin_serve_opts_init(&o);
    o.db = path;
    tocsin_error err;
    tocsin_server *sv = NULL;
    /* refusals */
    o.listen = "0.0.0.0:0";
    CHECK(tocsin_server_start(&o, &sv, &err) == TOCSIN_ERR_USAGE && sv == NULL);
    CHECK(strstr(err.message, "token") != NULL);
    o.listen = "[::]:0";
    CHECK(tocsin_server_start(&o, &sv, &err) == TOCSIN_ERR_USAGE);
    const char *bad_listen[] = {"127.0.0.1", "127.0.0.1:99999", "example.com:80", "[::1:80", ":80", "1.2.3:80"};
    for (size_t i = 0; i < sizeof bad_listen / sizeof bad_listen[0]; i++) {
        o.listen = bad_listen[i];
        CHECK(tocsin_server_start(&o, &sv, &err) == TOCSIN_ERR_USAGE);
        CHECK_STR(err.field, "listen");
    }
    o.listen = "127.0.0.1:0";
    o.token = "short";
    CHECK(tocsin_server_start(&o, &sv, &err) == TOCSIN_ERR_USAGE);
    o.token = "0123456789abcdef;x";
    CHECK(tocsin_server_start(&o, &sv, &err) == TOCSIN_ERR_USAGE);
    o.token = NULL;
    o.db = "/nonexistent/dir/s.db";
    CHECK(tocsin_server_start(&o, &sv, &err) != TOCSIN_OK && sv == NULL);
    o.db = path;
    /* a running server with a token */
    o.token = "0123456789abcdef-TOKEN";
    CHECK(tocsin_server_start(&o, &sv, &err) == TOCSIN_OK);
    uint16_t port = tocsin_server_port(sv);
    CHECK(port != 0);
    static char buf[1 << 16];
    CHECK_INT(http_get(port, "/api/sources", NULL, buf, sizeof buf), 401);
    CHECK_INT(http_get(port, "/api/sources", "Authorization: Bearer 0123456789abcdef-TOKEX", buf, sizeof buf), 401);
    CHECK_INT(http_get(port, "/api/sources", "Authorization: Bearer 0123456789abcdef-TOKEN", buf, sizeof buf), 200);
    CHECK(strstr(buf, "{\"sources\":[]") != NULL);
    CHECK(strstr(buf, "Content-Security-Policy: default-src 'none'; script-src 'self'") != NULL);
    CHECK_INT(http_get(port, "/api/trend?by=year", "Cookie: tocsin_token=0123456789abcdef-TOKEN", buf, sizeof buf), 400);
    CHECK(strstr(buf, "\"field\":\"by\"") != NULL);
    CHECK_INT(http_get(port, "/?token=0123456789abcdef-TOKEN", NULL, buf, sizeof buf), 200);
    CHECK(strstr(buf, "Set-Cookie: tocsin_token=0123456789abcdef-TOKEN; HttpOnly; SameSite=Strict") != NULL);
    CHECK(strstr(buf, "/static/app.js") != NULL);
    CHECK_INT(http_get(port, "/../serve.c", "Authorization: Bearer 0123456789abcdef-TOKEN", buf, sizeof buf), 404);
    CHECK_INT(http_get(port, "/static/uPlot.min.js", "Authorization: Bearer 0123456789abcdef-TOKEN", buf, sizeof buf), 200);
    tocsin_server_stop(sv);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}

int main(void)
{
    RUN(test_json_str);
    RUN(test_params);
    RUN(test_token);
    RUN(test_server);
    return check_summary();
}
