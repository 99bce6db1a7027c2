/*
 * Reference embedded peer for the wasmhost MQTT bridge protocol v1
 * (docs/bridge-protocol.md): one `temperature` sensor and one `relay` actuator.
 *
 *   ./peer --host 127.0.0.1 --port 1883 --id peer-7 [--root wasmhost/v1]
 *          [--username U] [--password P | --password-file PATH] [--period-ms 1000] [--seq-file PATH]
 *          [--temp-file PATH] [--mqtt5] [--keepalive S]
 *
 * Written for clarity over size; the protocol logic (frames, checks, replies)
 * is what an MCU port keeps, the MQTT client and clock calls are what it swaps.
 * One line per event on stdout; problems on stderr.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mosquitto.h>
#include <mqtt_protocol.h>

#include "cbor.h"

#define MAX_FRAME 4096 /* inbound frames larger than this are dropped */
#define TOPIC_MAX 256  /* our topics and any reply topic we accept */
#define OUT_MAX 512    /* every frame we build fits in this */

#define ROOT_DEFAULT "wasmhost/v1"
#define TEMP_MIN 15.0
#define TEMP_MAX 30.0

typedef struct {
    /* options */
    const char *host;
    int port;
    const char *id;
    const char *root;
    const char *username;
    const char *password;
    char password_buf[256]; /* --password-file: its first line */
    long period_ms;
    const char *seq_file;
    const char *temp_file;
    int mqtt5;
    int keepalive;

    /* topics */
    char t_birth[TOPIC_MAX];
    char t_death[TOPIC_MAX];
    char t_rpc[TOPIC_MAX];
    char t_data[TOPIC_MAX];

    /* state */
    struct mosquitto *mosq;
    uint64_t seq;     /* the seq of the current (or next) connection */
    int seq_used;     /* a CONNACK accepted this seq: the next connect needs a new one */
    int connected;
    int death_mid;    /* message id of our own death publish, when shutting down */
    int death_acked;
    double temperature; /* simulated, drifting */
    double relay;
    unsigned rng;
} peer;

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* One event line on stdout (line-buffered, so a test reading a pipe sees it at once). */
static void event(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

static void logmsg(const char *fmt, ...)
{
    va_list ap;
    fputs("peer: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static uint64_t realtime_ms(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || ts.tv_sec < 946684800) /* before 2000: unknown */
        return 0;
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR && !stop_requested) {
    }
}

/* ---- sequence number ---- */

/*
 * The birth seq must grow across reconnects and restarts so that a late Last
 * Will of an earlier connection is recognisably stale. It is an unsigned
 * 32-bit number (the host refuses larger ones).
 *
 * With --seq-file it is a counter persisted in that file (written to a temp
 * file, then renamed), +1 per connect: strictly increasing, the right choice
 * for a real device (on an MCU: a word in flash/NVS).
 * Without, it is the wall clock in seconds since the epoch, or the previous
 * seq + 1 if that is larger: no storage needed, but a restart within the same
 * second as the last connect (or after a burst of reconnects) can repeat a seq.
 */
static int next_seq(peer *pe)
{
    uint64_t seq;
    if (pe->seq_file) {
        uint64_t stored = 0;
        char tmp[1024];
        FILE *f = fopen(pe->seq_file, "r");
        if (f) {
            int ok = fscanf(f, "%" SCNu64, &stored) == 1;
            fclose(f);
            if (!ok) {
                logmsg("seq file %s does not hold a number; refusing to reuse a lower seq", pe->seq_file);
                return -1;
            }
        } else if (errno != ENOENT) {
            logmsg("cannot read seq file %s: %s", pe->seq_file, strerror(errno));
            return -1;
        }
        seq = (stored > pe->seq ? stored : pe->seq) + 1;
        if (seq > UINT32_MAX) {
            logmsg("seq file %s: seq would exceed 2^32-1", pe->seq_file);
            return -1;
        }
        if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", pe->seq_file) >= sizeof tmp) {
            logmsg("seq file path too long");
            return -1;
        }
        f = fopen(tmp, "w");
        if (!f || fprintf(f, "%" PRIu64 "\n", seq) < 0 || fclose(f) != 0 || rename(tmp, pe->seq_file) != 0) {
            logmsg("cannot write seq file %s: %s", pe->seq_file, strerror(errno));
            return -1;
        }
    } else {
        uint64_t now = realtime_ms() / 1000;
        seq = now > pe->seq ? now : pe->seq + 1;
    }
    if (seq > UINT32_MAX) {
        logmsg("seq would exceed 2^32-1");
        return -1;
    }
    pe->seq = seq;
    pe->seq_used = 0;
    return 0;
}

/* ---- frames we send ---- */

static void put_kv_text(cbor_writer *w, const char *k, const char *v)
{
    cbor_put_text(w, k);
    cbor_put_text(w, v);
}

static size_t build_birth(const peer *pe, uint8_t *buf)
{
    cbor_writer w;
    cbor_writer_init(&w, buf, OUT_MAX);
    cbor_put_map(&w, 7);
    cbor_put_text(&w, "v");
    cbor_put_uint(&w, 1);
    put_kv_text(&w, "id", pe->id);
    put_kv_text(&w, "class", "embedded-peer");
    cbor_put_text(&w, "seq");
    cbor_put_uint(&w, pe->seq);

    cbor_put_text(&w, "ifaces");
    cbor_put_array(&w, 2);
    cbor_put_map(&w, 2);
    put_kv_text(&w, "name", "wasmhost:device/sensors");
    put_kv_text(&w, "version", "0.1.0");
    cbor_put_map(&w, 2);
    put_kv_text(&w, "name", "wasmhost:device/actuators");
    put_kv_text(&w, "version", "0.1.0");

    cbor_put_text(&w, "sensors");
    cbor_put_array(&w, 1);
    cbor_put_map(&w, 3);
    put_kv_text(&w, "name", "temperature");
    put_kv_text(&w, "unit", "Cel");
    put_kv_text(&w, "kind", "temperature");

    cbor_put_text(&w, "actuators");
    cbor_put_array(&w, 1);
    cbor_put_map(&w, 5);
    put_kv_text(&w, "name", "relay");
    put_kv_text(&w, "unit", "");
    put_kv_text(&w, "kind", "relay");
    cbor_put_text(&w, "min");
    cbor_put_double(&w, 0.0);
    cbor_put_text(&w, "max");
    cbor_put_double(&w, 1.0);
    return w.overflow ? 0 : w.len;
}

static size_t build_death(const peer *pe, uint8_t *buf)
{
    cbor_writer w;
    cbor_writer_init(&w, buf, OUT_MAX);
    cbor_put_map(&w, 3);
    cbor_put_text(&w, "v");
    cbor_put_uint(&w, 1);
    put_kv_text(&w, "id", pe->id);
    cbor_put_text(&w, "seq");
    cbor_put_uint(&w, pe->seq);
    return w.overflow ? 0 : w.len;
}

/* The temperature, or -1 if it cannot be read now (--temp-file missing or not a number). */
static int read_temperature(const peer *pe, double *out)
{
    if (pe->temp_file) {
        char line[64];
        char *end;
        double v;
        FILE *f = fopen(pe->temp_file, "r");
        if (!f)
            return -1;
        if (!fgets(line, sizeof line, f)) {
            fclose(f);
            return -1;
        }
        fclose(f);
        v = strtod(line, &end);
        if (end == line || !isfinite(v))
            return -1;
        *out = v;
        return 0;
    }
    *out = round(pe->temperature * 100.0) / 100.0; /* a 0.01 °C sensor resolution */
    return 0;
}

/* SenML pack (RFC 8428 §6, integer keys): the temperature with the base name,
 * base time (seconds) and unit, then the relay state. */
static size_t build_data(const peer *pe, uint8_t *buf)
{
    cbor_writer w;
    double temp;
    int have_temp = read_temperature(pe, &temp) == 0;
    uint64_t now = realtime_ms();
    char bn[80];

    snprintf(bn, sizeof bn, "%s/", pe->id);
    cbor_writer_init(&w, buf, OUT_MAX);
    cbor_put_array(&w, have_temp ? 2 : 1);
    if (have_temp) {
        cbor_put_map(&w, now ? 5 : 4);
        cbor_put_int(&w, -2); /* bn */
        cbor_put_text(&w, bn);
        if (now) {
            cbor_put_int(&w, -3); /* bt, seconds */
            cbor_put_double(&w, (double)now / 1000.0);
        }
        cbor_put_int(&w, 0); /* n */
        cbor_put_text(&w, "temperature");
        cbor_put_int(&w, 1); /* u */
        cbor_put_text(&w, "Cel");
        cbor_put_int(&w, 2); /* v */
        cbor_put_double(&w, temp);
        cbor_put_map(&w, 2);
    } else {
        cbor_put_map(&w, now ? 4 : 3);
        cbor_put_int(&w, -2);
        cbor_put_text(&w, bn);
        if (now) {
            cbor_put_int(&w, -3);
            cbor_put_double(&w, (double)now / 1000.0);
        }
    }
    cbor_put_int(&w, 0);
    cbor_put_text(&w, "relay");
    cbor_put_int(&w, 2);
    cbor_put_double(&w, pe->relay);
    return w.overflow ? 0 : w.len;
}

static int publish(peer *pe, const char *topic, const uint8_t *buf, size_t len, int retain,
                   const mosquitto_property *props, int *mid)
{
    int rc;
    if (len == 0) {
        logmsg("frame for %s does not fit in %d bytes", topic, OUT_MAX);
        return -1;
    }
    rc = mosquitto_publish_v5(pe->mosq, mid, topic, (int)len, buf, 1, retain, props);
    if (rc != MOSQ_ERR_SUCCESS) {
        logmsg("publish to %s failed: %s", topic, mosquitto_strerror(rc));
        return -1;
    }
    return 0;
}

/* ---- rpc ---- */

typedef struct {
    const char *bad; /* first problem found, or NULL */
    int has_id;
    uint64_t id;
    int has_v, has_op, has_name, has_value, has_reply;
    cbor_item op, name, reply;
    double value;
} rpc_request;

static int valid_utf8_text(const cbor_item *it)
{
    return it->type == CBOR_TEXT && !it->indefinite && it->len <= INT32_MAX &&
           mosquitto_validate_utf8((const char *)it->str, (int)it->len) == MOSQ_ERR_SUCCESS;
}

static void mark_bad(rpc_request *rq, const char *why)
{
    if (!rq->bad)
        rq->bad = why;
}

/*
 * Parses an rpc frame. Returns -1 if it is not even a well-formed CBOR map
 * (then nothing in it can be trusted, not even an id); otherwise 0, with
 * rq->bad naming the first problem, if any. Unknown keys are skipped.
 */
static int parse_rpc(const uint8_t *buf, size_t len, rpc_request *rq)
{
    cbor_reader r;
    cbor_item map, key, val;
    uint64_t i;

    memset(rq, 0, sizeof *rq);
    if (!cbor_well_formed(buf, len))
        return -1;
    cbor_reader_init(&r, buf, len);
    if (cbor_read(&r, &map) != 0 || map.type != CBOR_MAP)
        return -1;

    for (i = 0; map.indefinite ? !cbor_at_break(&r) : i < map.u; i++) {
        int *seen = NULL;
        if (cbor_read(&r, &key) != 0)
            return -1;
        if (key.type != CBOR_TEXT || key.indefinite) { /* not a key of ours: skip the pair */
            if (cbor_skip_rest(&r, &key, 1) != 0 || cbor_skip(&r) != 0)
                return -1;
            continue;
        }
        if (cbor_read(&r, &val) != 0)
            return -1;

        if (cbor_text_eq(&key, "v")) {
            seen = &rq->has_v;
            if (val.type != CBOR_UINT || val.u != 1)
                mark_bad(rq, "v must be 1");
        } else if (cbor_text_eq(&key, "id")) {
            seen = &rq->has_id;
            if (val.type == CBOR_UINT && !rq->has_id)
                rq->id = val.u;
            else
                mark_bad(rq, "id must be an unsigned integer");
            if (val.type != CBOR_UINT) { /* an id we cannot echo is no id */
                if (cbor_skip_rest(&r, &val, 1) != 0)
                    return -1;
                continue;
            }
        } else if (cbor_text_eq(&key, "op")) {
            seen = &rq->has_op;
            rq->op = val;
            if (val.type != CBOR_TEXT || val.indefinite)
                mark_bad(rq, "op must be a text string");
        } else if (cbor_text_eq(&key, "name")) {
            seen = &rq->has_name;
            rq->name = val;
            if (!valid_utf8_text(&val))
                mark_bad(rq, "name must be a UTF-8 text string");
        } else if (cbor_text_eq(&key, "value")) {
            seen = &rq->has_value;
            if (cbor_item_number(&val, &rq->value) != 0)
                mark_bad(rq, "value must be a number");
        } else if (cbor_text_eq(&key, "reply")) {
            seen = &rq->has_reply;
            rq->reply = val;
            if (!valid_utf8_text(&val) || val.len >= TOPIC_MAX ||
                mosquitto_pub_topic_check2((const char *)val.str, val.len) != MOSQ_ERR_SUCCESS) {
                mark_bad(rq, "reply must be a topic name");
                rq->reply.type = CBOR_NULL; /* unusable as an address */
            }
        }
        if (seen) {
            if (*seen)
                mark_bad(rq, "duplicate key");
            *seen = 1;
        }
        if (cbor_skip_rest(&r, &val, 1) != 0)
            return -1;
    }
    if (!rq->has_v)
        mark_bad(rq, "missing v");
    else if (!rq->has_id)
        mark_bad(rq, "missing id");
    else if (!rq->has_op)
        mark_bad(rq, "missing op");
    else if (!rq->has_name)
        mark_bad(rq, "missing name");
    return 0;
}

static void reply_head(cbor_writer *w, uint64_t id, int pairs, int ok)
{
    cbor_put_map(w, (uint64_t)pairs);
    cbor_put_text(w, "v");
    cbor_put_uint(w, 1);
    cbor_put_text(w, "id");
    cbor_put_uint(w, id);
    cbor_put_text(w, "ok");
    cbor_put_bool(w, ok);
}

static size_t build_error(uint8_t *buf, uint64_t id, const char *err, const char *msg)
{
    cbor_writer w;
    cbor_writer_init(&w, buf, OUT_MAX);
    reply_head(&w, id, 5, 0);
    put_kv_text(&w, "err", err);
    put_kv_text(&w, "msg", msg);
    return w.overflow ? 0 : w.len;
}

/* The name from a request, for messages: quoted if short, else elided. It was checked to be UTF-8. */
static void quote_name(const cbor_item *name, char *out, size_t cap)
{
    if (name->len <= 64)
        snprintf(out, cap, "'%.*s'", (int)name->len, (const char *)name->str);
    else
        snprintf(out, cap, "(a %zu-byte name)", name->len);
}

/* Answers one valid request; returns the reply length (0 if it did not fit). */
static size_t answer(peer *pe, const rpc_request *rq, uint8_t *buf)
{
    cbor_writer w;
    char qname[80], msg[160];
    int is_temp = cbor_text_eq(&rq->name, "temperature");
    int is_relay = cbor_text_eq(&rq->name, "relay");

    quote_name(&rq->name, qname, sizeof qname);
    if (cbor_text_eq(&rq->op, "read")) {
        double v;
        const char *unit = is_temp ? "Cel" : "";
        if (!is_temp && !is_relay) {
            snprintf(msg, sizeof msg, "no sensor or actuator named %s", qname);
            event("rpc read %s -> not-found", qname);
            return build_error(buf, rq->id, "not-found", msg);
        }
        if (is_temp && read_temperature(pe, &v) != 0) {
            event("rpc read temperature -> unavailable");
            return build_error(buf, rq->id, "unavailable", "the temperature sensor cannot be read now");
        }
        if (is_relay)
            v = pe->relay;
        event("rpc read %s -> %.2f", is_temp ? "temperature" : "relay", v);
        cbor_writer_init(&w, buf, OUT_MAX);
        reply_head(&w, rq->id, 6, 1);
        cbor_put_text(&w, "value");
        cbor_put_double(&w, v);
        put_kv_text(&w, "unit", unit);
        cbor_put_text(&w, "t");
        cbor_put_uint(&w, realtime_ms());
        return w.overflow ? 0 : w.len;
    }
    if (cbor_text_eq(&rq->op, "set")) {
        if (!is_relay) {
            snprintf(msg, sizeof msg, "no actuator named %s", qname);
            event("rpc set %s -> not-found", qname);
            return build_error(buf, rq->id, "not-found", msg);
        }
        if (!rq->has_value) {
            event("rpc set relay -> bad-request (no value)");
            return build_error(buf, rq->id, "bad-request", "set needs a value");
        }
        /* An on/off output takes exactly 0 or 1 (min..max of its birth); NaN is out of range too. */
        if (!(rq->value == 0.0 || rq->value == 1.0)) {
            snprintf(msg, sizeof msg, "relay takes 0 or 1, not %g", rq->value);
            event("rpc set relay %g -> out-of-range", rq->value);
            return build_error(buf, rq->id, "out-of-range", msg);
        }
        pe->relay = rq->value;
        event("rpc set relay %g -> ok", rq->value);
        event("relay=%g", pe->relay);
        cbor_writer_init(&w, buf, OUT_MAX);
        reply_head(&w, rq->id, 3, 1);
        return w.overflow ? 0 : w.len;
    }
    event("rpc bad-request: unknown op");
    return build_error(buf, rq->id, "bad-request", "op must be \"read\" or \"set\"");
}

static void handle_rpc(peer *pe, const struct mosquitto_message *m, const mosquitto_property *props)
{
    rpc_request rq;
    uint8_t out[OUT_MAX];
    size_t n;
    char reply_topic[TOPIC_MAX];
    char *resp_prop = NULL;
    void *corr = NULL;
    uint16_t corr_len = 0;
    mosquitto_property *out_props = NULL;

    if (m->payloadlen < 0 || m->payloadlen > MAX_FRAME) {
        event("rpc dropped: frame of %d bytes (limit %d)", m->payloadlen, MAX_FRAME);
        return;
    }
    if (parse_rpc(m->payload, (size_t)m->payloadlen, &rq) != 0) {
        event("rpc dropped: not a well-formed CBOR map");
        return;
    }

    /* Where to answer: MQTT 5 Response Topic (+ Correlation Data), else the envelope's reply. */
    if (props) {
        mosquitto_property_read_string(props, MQTT_PROP_RESPONSE_TOPIC, &resp_prop, false);
        mosquitto_property_read_binary(props, MQTT_PROP_CORRELATION_DATA, &corr, &corr_len, false);
    }
    if (resp_prop && strlen(resp_prop) < sizeof reply_topic &&
        mosquitto_pub_topic_check(resp_prop) == MOSQ_ERR_SUCCESS) {
        strcpy(reply_topic, resp_prop);
    } else if (rq.has_reply && rq.reply.type == CBOR_TEXT) {
        memcpy(reply_topic, rq.reply.str, rq.reply.len);
        reply_topic[rq.reply.len] = '\0';
    } else {
        reply_topic[0] = '\0';
    }

    if (!rq.has_id) { /* nothing to correlate an answer with */
        event("rpc dropped: %s", rq.bad ? rq.bad : "no id");
        goto done;
    }
    if (!reply_topic[0]) {
        event("rpc dropped: no reply address");
        goto done;
    }
    if (rq.bad) {
        event("rpc bad-request: %s", rq.bad);
        n = build_error(out, rq.id, "bad-request", rq.bad);
    } else {
        n = answer(pe, &rq, out);
    }
    if (corr)
        mosquitto_property_add_binary(&out_props, MQTT_PROP_CORRELATION_DATA, corr, corr_len);
    publish(pe, reply_topic, out, n, 0, out_props, NULL);
done:
    mosquitto_property_free_all(&out_props);
    free(resp_prop);
    free(corr);
}

/* ---- MQTT callbacks ---- */

static void on_connect(struct mosquitto *mosq, void *obj, int rc, int flags, const mosquitto_property *props)
{
    peer *pe = obj;
    uint8_t buf[OUT_MAX];
    (void)flags;
    (void)props;
    if (rc != 0) {
        logmsg("connection refused: %s", pe->mqtt5 ? mosquitto_reason_string(rc) : mosquitto_connack_string(rc));
        return;
    }
    pe->connected = 1;
    pe->seq_used = 1;
    event("connected");
    if (mosquitto_subscribe(mosq, NULL, pe->t_rpc, 1) != MOSQ_ERR_SUCCESS)
        logmsg("subscribe to %s failed", pe->t_rpc);
    if (publish(pe, pe->t_birth, buf, build_birth(pe, buf), 1, NULL, NULL) == 0)
        event("birth seq=%" PRIu64, pe->seq);
}

static void on_disconnect(struct mosquitto *mosq, void *obj, int rc, const mosquitto_property *props)
{
    peer *pe = obj;
    (void)mosq;
    (void)props;
    if (pe->connected)
        event("disconnected%s", rc == 0 ? "" : " (connection lost)");
    pe->connected = 0;
}

static void on_publish(struct mosquitto *mosq, void *obj, int mid, int rc, const mosquitto_property *props)
{
    peer *pe = obj;
    (void)mosq;
    (void)rc;
    (void)props;
    if (pe->death_mid && mid == pe->death_mid)
        pe->death_acked = 1;
}

static void on_message(struct mosquitto *mosq, void *obj, const struct mosquitto_message *m,
                       const mosquitto_property *props)
{
    peer *pe = obj;
    (void)mosq;
    if (m->topic && strcmp(m->topic, pe->t_rpc) == 0)
        handle_rpc(pe, m, props);
}

/* ---- setup ---- */

static int set_will(peer *pe)
{
    uint8_t buf[OUT_MAX];
    size_t n = build_death(pe, buf);
    int rc = mosquitto_will_set(pe->mosq, pe->t_death, (int)n, buf, 1, false);
    if (rc != MOSQ_ERR_SUCCESS) {
        logmsg("cannot set the Last Will: %s", mosquitto_strerror(rc));
        return -1;
    }
    return 0;
}

/* A fresh seq if the last one was used, the will that carries it, then connect. */
static int connect_once(peer *pe, int first)
{
    int rc;
    if ((first || pe->seq_used) && next_seq(pe) != 0)
        return -2; /* fatal */
    if (set_will(pe) != 0)
        return -2;
    rc = first ? mosquitto_connect(pe->mosq, pe->host, pe->port, pe->keepalive) : mosquitto_reconnect(pe->mosq);
    if (rc != MOSQ_ERR_SUCCESS) {
        logmsg("cannot connect to %s:%d: %s", pe->host, pe->port,
               rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
        return -1;
    }
    return 0;
}

static int valid_id(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

static void usage(void)
{
    fputs("usage: peer --id ID [--host 127.0.0.1] [--port 1883] [--root " ROOT_DEFAULT "]\n"
          "            [--username U] [--password P | --password-file PATH] [--period-ms 1000]\n"
          "            [--seq-file PATH]\n"
          "            [--temp-file PATH] [--mqtt5] [--keepalive 30]\n",
          stderr);
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* The secret is the file's first line (without its newline); a file keeps it out of `ps`. */
static int read_password_file(peer *pe, const char *path)
{
    FILE *f = fopen(path, "r");
    size_t n;
    if (!f) {
        logmsg("--password-file %s: %s", path, strerror(errno));
        return -1;
    }
    if (!fgets(pe->password_buf, sizeof pe->password_buf, f)) {
        fclose(f);
        logmsg("--password-file %s is empty", path);
        return -1;
    }
    fclose(f);
    n = strcspn(pe->password_buf, "\r\n");
    pe->password_buf[n] = '\0';
    pe->password = pe->password_buf;
    return 0;
}

static int parse_args(peer *pe, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        long n;
        if (strcmp(a, "--mqtt5") == 0) {
            pe->mqtt5 = 1;
            continue;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage();
            exit(0);
        }
        if (!v) {
            logmsg("%s needs a value", a);
            return -1;
        }
        i++;
        if (strcmp(a, "--host") == 0)
            pe->host = v;
        else if (strcmp(a, "--port") == 0 && parse_long(v, 1, 65535, &n) == 0)
            pe->port = (int)n;
        else if (strcmp(a, "--id") == 0)
            pe->id = v;
        else if (strcmp(a, "--root") == 0)
            pe->root = v;
        else if (strcmp(a, "--username") == 0)
            pe->username = v;
        else if (strcmp(a, "--password") == 0)
            pe->password = v;
        else if (strcmp(a, "--password-file") == 0) {
            if (read_password_file(pe, v) != 0)
                return -1;
        }
        else if (strcmp(a, "--period-ms") == 0 && parse_long(v, 0, 86400000L, &n) == 0)
            pe->period_ms = n;
        else if (strcmp(a, "--keepalive") == 0 && parse_long(v, 5, 65535, &n) == 0)
            pe->keepalive = (int)n;
        else if (strcmp(a, "--seq-file") == 0)
            pe->seq_file = v;
        else if (strcmp(a, "--temp-file") == 0)
            pe->temp_file = v;
        else {
            logmsg("bad option or value: %s %s", a, v);
            return -1;
        }
    }
    if (!pe->id || !valid_id(pe->id)) {
        logmsg("--id is required: 1-64 characters of [A-Za-z0-9_-]");
        return -1;
    }
    /* A provisioned peer logs in as its id (the broker binds the id to its credential). */
    if (pe->password && !pe->username)
        pe->username = pe->id;
    if (!pe->root[0] || strlen(pe->root) > 128 || strpbrk(pe->root, "+#") ||
        mosquitto_pub_topic_check(pe->root) != MOSQ_ERR_SUCCESS) {
        logmsg("--root must be a topic name without wildcards, at most 128 bytes");
        return -1;
    }
    return 0;
}

static void drift(peer *pe)
{
    double step = ((double)rand_r(&pe->rng) / RAND_MAX - 0.5) * 0.2;
    pe->temperature += step;
    if (pe->temperature < TEMP_MIN)
        pe->temperature = TEMP_MIN;
    if (pe->temperature > TEMP_MAX)
        pe->temperature = TEMP_MAX;
}

/* Publishes our own death (a clean goodbye) and waits up to 2 s for the broker's PUBACK. */
static void say_goodbye(peer *pe)
{
    uint8_t buf[OUT_MAX];
    uint64_t deadline = monotonic_ms() + 2000;
    if (!pe->connected)
        return;
    if (publish(pe, pe->t_death, buf, build_death(pe, buf), 0, NULL, &pe->death_mid) != 0)
        return;
    while (!pe->death_acked && pe->connected && monotonic_ms() < deadline)
        if (mosquitto_loop(pe->mosq, 100, 1) != MOSQ_ERR_SUCCESS)
            break;
    if (pe->death_acked)
        event("death seq=%" PRIu64, pe->seq);
    mosquitto_disconnect(pe->mosq);
    mosquitto_loop(pe->mosq, 100, 1);
}

int main(int argc, char **argv)
{
    static peer pe;
    struct sigaction sa;
    uint64_t next_data;
    long backoff_ms = 500;
    int rc;

    pe.host = "127.0.0.1";
    pe.port = 1883;
    pe.root = ROOT_DEFAULT;
    pe.period_ms = 1000;
    pe.keepalive = 30;
    pe.temperature = 21.5;
    pe.rng = (unsigned)time(NULL) ^ (unsigned)clock();
    setvbuf(stdout, NULL, _IOLBF, 0);

    if (parse_args(&pe, argc, argv) != 0) {
        usage();
        return 2;
    }
#define TOPIC(field, leaf) snprintf(pe.field, TOPIC_MAX, "%s/peers/%s/" leaf, pe.root, pe.id)
    TOPIC(t_birth, "birth");
    TOPIC(t_death, "death");
    TOPIC(t_rpc, "rpc");
    TOPIC(t_data, "data");
#undef TOPIC

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: a signal ends the wait in mosquitto_loop */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    mosquitto_lib_init();
    pe.mosq = mosquitto_new(pe.id, true, &pe); /* client id = peer id, clean session */
    if (!pe.mosq) {
        logmsg("mosquitto_new failed");
        return 1;
    }
    if (pe.mqtt5)
        mosquitto_int_option(pe.mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
    if (pe.username && mosquitto_username_pw_set(pe.mosq, pe.username, pe.password) != MOSQ_ERR_SUCCESS) {
        logmsg("bad username or password");
        return 2;
    }
    mosquitto_connect_v5_callback_set(pe.mosq, on_connect);
    mosquitto_disconnect_v5_callback_set(pe.mosq, on_disconnect);
    mosquitto_publish_v5_callback_set(pe.mosq, on_publish);
    mosquitto_message_v5_callback_set(pe.mosq, on_message);

    rc = connect_once(&pe, 1);
    if (rc == -2)
        return 1;
    next_data = monotonic_ms() + (uint64_t)pe.period_ms;

    while (!stop_requested) {
        uint64_t now;
        if (rc == 0)
            rc = mosquitto_loop(pe.mosq, 100, 1) == MOSQ_ERR_SUCCESS ? 0 : -1;
        if (rc != 0 && !stop_requested) { /* not connected: back off, then reconnect */
            pe.connected = 0;
            sleep_ms(backoff_ms);
            if (stop_requested)
                break;
            rc = connect_once(&pe, 0);
            if (rc == -2)
                break;
            backoff_ms = rc == 0 ? 500 : (backoff_ms * 2 > 8000 ? 8000 : backoff_ms * 2);
            continue;
        }
        now = monotonic_ms();
        if (now >= next_data) {
            drift(&pe);
            if (pe.connected && pe.period_ms > 0) {
                uint8_t buf[OUT_MAX];
                double t;
                if (publish(&pe, pe.t_data, buf, build_data(&pe, buf), 0, NULL, NULL) == 0) {
                    if (read_temperature(&pe, &t) == 0)
                        event("data temperature=%.2f relay=%g", t, pe.relay);
                    else
                        event("data relay=%g", pe.relay);
                }
            }
            next_data = now + (uint64_t)(pe.period_ms > 0 ? pe.period_ms : 1000);
        }
    }

    say_goodbye(&pe);
    mosquitto_destroy(pe.mosq);
    mosquitto_lib_cleanup();
    return rc == -2 ? 1 : 0;
}
