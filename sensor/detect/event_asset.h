/*
 * What the asset inventory reports (asset/asset_table.h) as an event of
 * type asset: the device's fields (asset.*, src_ip its address) and the
 * event itself (asset.event, asset.detail). Fed on the output thread.
 */
#ifndef MAMORI_DETECT_EVENT_ASSET_H
#define MAMORI_DETECT_EVENT_ASSET_H

#include "asset/asset_table.h"
#include "detect/event.h"

struct event_asset {
    struct event ev;
    const struct asset_event *aev; /* borrowed for the match */
    char mac[18];
    uint8_t src_ip[16], dest_ip[16];
    uint8_t ip_version;
    bool has_ip;
};

void event_asset_init(struct event_asset *ea, const struct asset_event *aev);

#endif
