/*
 * MAC address vendors from the IEEE registry as Debian's ieee-data
 * package ships it (/usr/share/ieee-data): oui.csv (MA-L, 24-bit
 * prefixes), mam.csv (MA-M, 28-bit) and oui36.csv (MA-S, 36-bit), each
 * "Registry,Assignment,Organization Name,Organization Address". Loaded
 * once at start; lookups take the longest prefix.
 */
#ifndef MAMORI_ASSET_ASSET_OUI_H
#define MAMORI_ASSET_ASSET_OUI_H

#include <stddef.h>
#include <stdint.h>

#define ASSET_OUI_DIR "/usr/share/ieee-data"

struct asset_oui;

/* An empty table. Owned: asset_oui_free(). */
struct asset_oui *asset_oui_new(void);
void asset_oui_free(struct asset_oui *o);
/* Adds the lines of one registry file p[0..len); lines that are not
 * assignments are counted as skipped. Returns the entries added or
 * -ENOMEM. */
int asset_oui_add_csv(struct asset_oui *o, const uint8_t *p, size_t len);
/* Loads the three files of dir (a missing mam.csv or oui36.csv is not an
 * error). Returns 0 or -errno (oui.csv unreadable). */
int asset_oui_load_dir(struct asset_oui *o, const char *dir);
/* Borrowed (lives as long as o): the organisation, or NULL. */
const char *asset_oui_lookup(const struct asset_oui *o, const uint8_t mac[6]);
size_t asset_oui_count(const struct asset_oui *o);
size_t asset_oui_skipped(const struct asset_oui *o);

#endif
