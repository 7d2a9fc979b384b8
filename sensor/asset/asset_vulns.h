/*
 * Known-vulnerable versions: rules/vulns.csv (assets.vulns), one advisory
 * a line, documented in docs/assets.md:
 *
 *   product,source,prefix,from,before,ids,severity,summary
 *   DCMTK,dicom,OFFIS_DCMTK_,,367,CVE-2022-2119 CVE-2022-2120,high,Path traversal ...
 *
 * source says which version string is matched: dicom (implementation
 * version name), ssh (banner), http_server (Server header), http_ua
 * (User-Agent). A seen string matches when it starts with prefix and the
 * version after it is >= from (empty: any) and < before (empty: any).
 * Versions compare as runs of digits, number by number ("8.9p1" is 8,9,1;
 * "366" is 366). A bad line rejects the file with FILE:LINE:COL.
 */
#ifndef MAMORI_ASSET_ASSET_VULNS_H
#define MAMORI_ASSET_ASSET_VULNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum asset_vuln_source {
    VULN_DICOM,
    VULN_SSH,
    VULN_HTTP_SERVER,
    VULN_HTTP_UA,
};

struct asset_vuln {
    char product[48];
    uint8_t source; /* enum asset_vuln_source */
    char prefix[64], from[24], before[24];
    char ids[160]; /* space-separated */
    char severity[12];
    char summary[200];
    uint32_t line;
};

struct asset_vulns;

struct asset_vulns *asset_vulns_parse(const uint8_t *p, size_t len, const char *origin, char *err,
                                      size_t errlen);
struct asset_vulns *asset_vulns_load(const char *path, char *err, size_t errlen);
void asset_vulns_free(struct asset_vulns *v);
size_t asset_vulns_count(const struct asset_vulns *v);

/* Calls fn for each advisory that the seen string s of source matches. */
void asset_vulns_match(const struct asset_vulns *v, enum asset_vuln_source source, const char *s,
                       void (*fn)(void *ctx, const struct asset_vuln *a), void *ctx);

/* Compares two version strings as above: <0, 0, >0. */
int asset_version_cmp(const char *a, const char *b);

#endif
