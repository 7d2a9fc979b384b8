/* Plain HTTP/1.1 (RFC 9110, RFC 9112) for the behaviours that misuse it: a printer's web
 * administration opened with HTTP Basic credentials (RFC 7617), requests carrying SQL injection
 * and cross-site scripting in their query string, and a Windows executable downloaded in clear.
 *
 *   GET /path?query HTTP/1.1 CRLF headers CRLF CRLF   --->   HTTP/1.1 200 OK CRLF headers
 *                                                            CRLF CRLF body (Content-Length)
 *
 * Credentials are synthetic; the executable is an "MZ" header followed by random bytes.
 */
#include "proto.h"

#include <stdio.h>
#include <string.h>

#include "net.h"

static size_t response(char *out, size_t cap, uint64_t t, const char *status, const char *server,
                       const char *ctype, size_t body_len)
{
    char date[30];
    fmt_http_date(t, date);
    int n = snprintf(out, cap,
                     "HTTP/1.1 %s\r\nDate: %s\r\nServer: %s\r\nContent-Type: %s\r\n"
                     "Content-Length: %zu\r\n\r\n",
                     status, date, server, ctype, body_len);
    return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

/* One request and its answer: a head of text, then body_len bytes of body (HTML filler, or
 * random bytes after an MZ header when exe). */
static void exchange(struct tcp_conv *c, struct rng *r, const char *req, const char *status,
                     const char *server, const char *ctype, size_t body_len, bool exe)
{
    tcp_send(c, 0, (const uint8_t *)req, strlen(req));
    tcp_think(c, rng_range(r, 3000, 40000));
    uint8_t *w = c->g->work;
    size_t cap = c->g->work_cap;
    size_t n = response((char *)w, cap, c->t, status, server, ctype, body_len);
    if (n == 0 || n + body_len > cap)
        return;
    if (exe) {
        rng_bytes(r, w + n, body_len);
        if (body_len >= 2) {
            w[n] = 'M';
            w[n + 1] = 'Z';
        }
    } else {
        static const char html[] = "<html><head><title>Status</title></head><body><p>OK</p>";
        for (size_t i = 0; i < body_len; i++)
            w[n + i] = i + 8 < body_len ? (uint8_t)html[i % (sizeof(html) - 1)] : (uint8_t)' ';
        if (body_len >= 7)
            memcpy(w + n + body_len - 7, "</html>", 7);
    }
    tcp_send(c, 1, w, n + body_len);
}

uint64_t http_basic_admin(struct gen *g, struct rng *r, uint64_t t, struct host *cli,
                          struct host *srv)
{
    struct tcp_conv c;
    char req[512];
    tcp_open(&c, g, r, cli, srv, 80, t);
    /* The browser kept the credentials from an earlier login: it sends them at once. */
    /* "admin:demo-printer" */
    snprintf(req, sizeof(req),
             "GET /admin/network.htm HTTP/1.1\r\nHost: %s\r\nUser-Agent: Mozilla/5.0 (Windows "
             "NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 "
             "Safari/537.36\r\nAccept: text/html\r\nAuthorization: Basic "
             "YWRtaW46ZGVtby1wcmludGVy\r\nConnection: keep-alive\r\n\r\n",
             srv->fqdn);
    exchange(&c, r, req, "200 OK", "EPSON_Linux UPnP/1.0", "text/html", 1800, false);
    tcp_think(&c, rng_range(r, 500000, 3000000));
    snprintf(req, sizeof(req),
             "GET /admin/status.htm HTTP/1.1\r\nHost: %s\r\nUser-Agent: Mozilla/5.0 (Windows "
             "NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 "
             "Safari/537.36\r\nAccept: text/html\r\nAuthorization: Basic "
             "YWRtaW46ZGVtby1wcmludGVy\r\nConnection: keep-alive\r\n\r\n",
             srv->fqdn);
    exchange(&c, r, req, "200 OK", "EPSON_Linux UPnP/1.0", "text/html", 2400, false);
    tcp_think(&c, rng_range(r, 500000, 3000000));
    tcp_close(&c, 0);
    return c.t;
}

uint64_t http_injection(struct gen *g, struct rng *r, uint64_t t, struct host *cli,
                        struct host *srv)
{
    static const char *const paths[] = {
        "/portal/results.php?patient=1000%27%20OR%20%271%27%3D%271",
        "/portal/results.php?patient=1000%27%20UNION%20SELECT%20username%2Cpassword%20FROM%20"
        "users--%20",
        "/portal/search.php?q=%3Cscript%3Ealert%28document.cookie%29%3C%2Fscript%3E",
    };
    struct tcp_conv c;
    char req[768];
    tcp_open(&c, g, r, cli, srv, 80, t);
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        snprintf(req, sizeof(req),
                 "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64; "
                 "rv:115.0) Gecko/20100101 Firefox/115.0\r\nAccept: */*\r\nConnection: "
                 "keep-alive\r\n\r\n",
                 paths[i], srv->fqdn);
        exchange(&c, r, req, "500 Internal Server Error", "Apache/2.4.57 (Debian)", "text/html",
                 240, false);
        tcp_think(&c, rng_range(r, 300000, 1500000));
    }
    tcp_close(&c, 0);
    return c.t;
}

uint64_t http_exe_download(struct gen *g, struct rng *r, uint64_t t, struct host *cli,
                           struct host *srv)
{
    struct tcp_conv c;
    char req[512];
    tcp_open(&c, g, r, cli, srv, 80, t);
    snprintf(req, sizeof(req),
             "GET /files/free/pdf-viewer-setup.exe HTTP/1.1\r\nHost: %s\r\nUser-Agent: "
             "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
             "Chrome/120.0 Safari/537.36\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n",
             srv->fqdn);
    exchange(&c, r, req, "200 OK", "nginx", "application/x-msdownload", 24000 + rng_below(r, 8000),
             true);
    tcp_think(&c, rng_range(r, 200000, 900000));
    tcp_close(&c, 0);
    return c.t;
}
