#include "detect/event_asset.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "detect/fields.h"

static bool set_cstr(struct event_value *v, const char *s)
{
    if (!s)
        return false;
    v->kind = EVK_STR;
    v->u.s.p = s;
    v->u.s.len = strlen(s);
    return true;
}

static bool event_asset_get(const struct event *ev, uint16_t field, struct event_value *v)
{
    const struct event_asset *ea = ev->ctx;
    const struct asset *a = ea->aev->a;
    switch (field) {
    case F_SRC_IP:
        if (!ea->has_ip)
            return false;
        v->kind = EVK_IP;
        memcpy(v->u.ip, ea->src_ip, 16);
        return true;
    case F_DEST_IP:
        if (!ea->aev->has_peer)
            return false;
        v->kind = EVK_IP;
        memcpy(v->u.ip, ea->dest_ip, 16);
        return true;
    case F_ASSET_MAC:
        return a->has_mac && set_cstr(v, ea->mac);
    case F_ASSET_VENDOR:
        return set_cstr(v, a->vendor);
    case F_ASSET_HOSTNAME:
        return a->hostnames.n && set_cstr(v, a->hostnames.v[0]);
    case F_ASSET_NEW:
        v->kind = EVK_BOOL;
        v->u.b = ea->aev->kind == ASSET_EVENT_NEW;
        return true;
    case F_ASSET_REGISTERED:
        if (a->reg_status == ASSET_REG_NONE)
            return false;
        v->kind = EVK_BOOL;
        v->u.b = a->reg_status != ASSET_REG_UNREGISTERED;
        return true;
    case F_ASSET_RETIRED:
        if (a->reg_status == ASSET_REG_NONE)
            return false;
        v->kind = EVK_BOOL;
        v->u.b = a->reg_status == ASSET_REG_RETIRED;
        return true;
    case F_ASSET_EVENT:
        return set_cstr(v, asset_event_name(ea->aev->kind));
    case F_ASSET_TYPE:
        return set_cstr(v, a->type);
    case F_ASSET_DETAIL:
        return set_cstr(v, ea->aev->detail);
    default:
        return false;
    }
}

static void event_asset_header(const struct event *ev, struct json_buf *b)
{
    const struct event_asset *ea = ev->ctx;
    const struct asset *a = ea->aev->a;
    if (a->ips.n)
        json_string(b, "src_ip", a->ips.v[a->ips.n - 1]);
    if (ea->aev->has_peer) {
        char text[64];
        if (inet_ntop(ea->ip_version == 4 ? AF_INET : AF_INET6,
                      ea->ip_version == 4 ? ea->aev->peer_ip : ea->aev->peer_ip, text, sizeof text))
            json_string(b, "dest_ip", text);
    }
    if (ea->aev->proto && ea->aev->proto[0])
        json_string(b, "app_proto", ea->aev->proto);
}

static void event_asset_objects(const struct event *ev, struct json_buf *b)
{
    const struct event_asset *ea = ev->ctx;
    json_open_object(b, "asset");
    json_string(b, "id", ea->aev->a->id);
    json_string(b, "event", asset_event_name(ea->aev->kind));
    if (ea->aev->detail)
        json_string(b, "detail", ea->aev->detail);
    json_close_object(b);
}

void event_asset_init(struct event_asset *ea, const struct asset_event *aev)
{
    memset(ea, 0, sizeof *ea);
    ea->aev = aev;
    const struct asset *a = aev->a;
    if (a->has_mac)
        snprintf(ea->mac, sizeof ea->mac, "%02x:%02x:%02x:%02x:%02x:%02x", a->mac[0], a->mac[1],
                 a->mac[2], a->mac[3], a->mac[4], a->mac[5]);
    if (a->ips.n) {
        uint8_t ip[16] = {0};
        const char *s = a->ips.v[a->ips.n - 1];
        ea->ip_version = strchr(s, ':') ? 6 : 4;
        if (inet_pton(ea->ip_version == 4 ? AF_INET : AF_INET6, s, ip) == 1) {
            event_ip_from(ea->src_ip, ip, ea->ip_version);
            ea->has_ip = true;
        }
    }
    if (aev->has_peer)
        event_ip_from(ea->dest_ip, aev->peer_ip, ea->ip_version ? ea->ip_version : 4);
    ea->ev.type = EVENT_ASSET;
    ea->ev.ts_us = aev->ts_us;
    ea->ev.get = event_asset_get;
    ea->ev.header = event_asset_header;
    ea->ev.objects = event_asset_objects;
    ea->ev.ctx = ea;
}
