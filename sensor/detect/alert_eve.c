#include "detect/alert_eve.h"

const char *alert_severity_name(uint8_t severity)
{
    static const char *const names[] = {"high", "medium", "low", "info"};
    return severity >= 1 && severity <= 4 ? names[severity - 1] : "info";
}

void alert_eve_format(struct json_buf *b, const struct crule *r, const struct event *ev,
                      uint64_t alert_id)
{
    json_reset(b);
    json_open_object(b, NULL);
    json_time(b, "timestamp", ev->ts_us);
    json_uint(b, "alert_id", alert_id);
    json_string(b, "event_type", "alert");
    if (ev->header)
        ev->header(ev, b);

    json_open_object(b, "alert");
    json_string(b, "action", "allowed"); /* a passive sensor never blocks */
    json_uint(b, "gid", 1);
    json_uint(b, "signature_id", r->sid);
    json_uint(b, "rev", r->rev);
    json_string(b, "signature", r->msg);
    json_string(b, "category", r->category);
    json_uint(b, "severity", r->severity);
    /* Suricata's metadata values are arrays of strings. */
    json_open_object(b, "metadata");
    if (r->n_mitre) {
        json_open_array(b, "mitre_technique_id");
        for (uint8_t i = 0; i < r->n_mitre; i++)
            json_string(b, NULL, r->mitre[i]);
        json_close_array(b);
    }
    json_open_array(b, "severity_name");
    json_string(b, NULL, alert_severity_name(r->severity));
    json_close_array(b);
    json_open_array(b, "event");
    json_string(b, NULL, event_type_name((enum event_type)ev->type));
    json_close_array(b);
    json_close_object(b);
    json_close_object(b);

    if (ev->objects)
        ev->objects(ev, b);
    json_close_object(b);
}
