/* asset/asset_http.c: the Server header of an HTTP response, the response
 * cut at every length. */
#include "asset/asset_http.h"

#include <errno.h>

#include "../test.h"

static const char resp[] = "HTTP/1.0 200 OK\r\n"
                           "server:   SimpleHTTP/0.6 Python/3.11.2 \r\n"
                           "Date: Tue, 01 Dec 2026 09:00:00 GMT\r\n"
                           "Set-Cookie: session=secret\r\n"
                           "\r\n"
                           "Server: in the body\r\n";

static void test_server(void)
{
    char v[ASSET_HTTP_VALUE_MAX];
    const uint8_t *p = (const uint8_t *)resp;
    size_t len = sizeof resp - 1;
    CHECK_EQ_INT(asset_http_response_header(p, len, "Server", v, sizeof v), 1);
    CHECK_EQ_STR(v, "SimpleHTTP/0.6 Python/3.11.2");
    CHECK_EQ_INT(asset_http_response_header(p, len, "Date", v, sizeof v), 1);
    CHECK_EQ_STR(v, "Tue, 01 Dec 2026 09:00:00 GMT");
    /* The body is not headers. */
    CHECK_EQ_INT(asset_http_response_header(p, len, "Content-Type", v, sizeof v), 0);
    static const char late[] = "HTTP/1.1 404 Not Found\r\n\r\nServer: x\r\n";
    CHECK_EQ_INT(
        asset_http_response_header((const uint8_t *)late, sizeof late - 1, "Server", v, sizeof v),
        0);
    /* Bare \n line ends; control bytes are dropped; a value is cut to cap. */
    static const char bare[] = "HTTP/1.1 200 OK\nServer: nginx/1.18.0\x01\n\n";
    CHECK_EQ_INT(
        asset_http_response_header((const uint8_t *)bare, sizeof bare - 1, "SERVER", v, sizeof v),
        1);
    CHECK_EQ_STR(v, "nginx/1.18.0");
    char small[6];
    CHECK_EQ_INT(asset_http_response_header((const uint8_t *)bare, sizeof bare - 1, "Server", small,
                                            sizeof small),
                 1);
    CHECK_EQ_STR(small, "nginx");
    /* Not a response: a request, HTTP/2's preface, a bad status code. */
    static const char *const bad[] = {"GET / HTTP/1.1\r\nServer: x\r\n\r\n",
                                      "PRI * HTTP/2.0\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n",
                                      "HTTP/1.1200 OK\r\n\r\n", "HTTP/1."};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_EQ_INT(asset_http_response_header((const uint8_t *)bad[i], strlen(bad[i]), "Server",
                                                v, sizeof v),
                     -EINVAL);
    /* An empty value is none. */
    static const char empty[] = "HTTP/1.1 200 OK\r\nServer: \x02 \r\n\r\n";
    CHECK_EQ_INT(
        asset_http_response_header((const uint8_t *)empty, sizeof empty - 1, "Server", v, sizeof v),
        0);
}

/* Every cut: never a read past the cut (ASan), a header whose line is cut
 * is not reported, and once its line is whole it is, in full. */
static void test_truncation(void)
{
    size_t len = sizeof resp - 1;
    size_t whole = strstr(resp, "\r\nDate") - resp + 1; /* the Server line's '\n' included */
    for (size_t i = 0; i <= len; i++) {
        uint8_t *copy = malloc(i ? i : 1);
        memcpy(copy, resp, i);
        char v[ASSET_HTTP_VALUE_MAX];
        int rc = asset_http_response_header(copy, i, "Server", v, sizeof v);
        if (i < 12)
            CHECK_EQ_INT(rc, -EINVAL);
        else if (i <= whole)
            CHECK_EQ_INT(rc, 0);
        else {
            CHECK_EQ_INT(rc, 1);
            CHECK_EQ_STR(v, "SimpleHTTP/0.6 Python/3.11.2");
        }
        free(copy);
    }
}

TEST_MAIN(TEST(test_server), TEST(test_truncation))
