/* A tiny CBOR (RFC 8949) encoder/decoder for the wasmhost bridge protocol. See cbor.h. */
#include "cbor.h"

#include <math.h>
#include <string.h>

/* ---- encoder ---- */

void cbor_writer_init(cbor_writer *w, uint8_t *buf, size_t cap)
{
    w->buf = buf;
    w->cap = cap;
    w->len = 0;
    w->overflow = 0;
}

static void put_bytes(cbor_writer *w, const void *src, size_t n)
{
    if (w->overflow || n > w->cap - w->len) {
        w->overflow = 1;
        return;
    }
    memcpy(w->buf + w->len, src, n);
    w->len += n;
}

/* A head: major type in the top 3 bits, the argument in the shortest form. */
static void put_head(cbor_writer *w, unsigned major, uint64_t arg)
{
    uint8_t b[9];
    size_t n;
    if (arg < 24) {
        b[0] = (uint8_t)(major << 5 | arg);
        n = 1;
    } else if (arg <= 0xff) {
        b[0] = (uint8_t)(major << 5 | 24);
        n = 2;
    } else if (arg <= 0xffff) {
        b[0] = (uint8_t)(major << 5 | 25);
        n = 3;
    } else if (arg <= 0xffffffffu) {
        b[0] = (uint8_t)(major << 5 | 26);
        n = 5;
    } else {
        b[0] = (uint8_t)(major << 5 | 27);
        n = 9;
    }
    for (size_t i = 1; i < n; i++)
        b[i] = (uint8_t)(arg >> (8 * (n - 1 - i)));
    put_bytes(w, b, n);
}

void cbor_put_uint(cbor_writer *w, uint64_t v) { put_head(w, 0, v); }

void cbor_put_int(cbor_writer *w, int64_t v)
{
    if (v >= 0)
        put_head(w, 0, (uint64_t)v);
    else
        put_head(w, 1, (uint64_t)(-(v + 1))); /* -1 - n, without overflowing at INT64_MIN */
}

void cbor_put_text_n(cbor_writer *w, const char *s, size_t n)
{
    put_head(w, 3, n);
    put_bytes(w, s, n);
}

void cbor_put_text(cbor_writer *w, const char *s) { cbor_put_text_n(w, s, strlen(s)); }

void cbor_put_double(cbor_writer *w, double v)
{
    uint64_t bits;
    uint8_t b[9];
    memcpy(&bits, &v, sizeof bits);
    b[0] = 0xfb;
    for (int i = 0; i < 8; i++)
        b[1 + i] = (uint8_t)(bits >> (56 - 8 * i));
    put_bytes(w, b, sizeof b);
}

void cbor_put_bool(cbor_writer *w, int v)
{
    uint8_t b = v ? 0xf5 : 0xf4;
    put_bytes(w, &b, 1);
}

void cbor_put_null(cbor_writer *w)
{
    uint8_t b = 0xf6;
    put_bytes(w, &b, 1);
}

void cbor_put_array(cbor_writer *w, uint64_t count) { put_head(w, 4, count); }

void cbor_put_map(cbor_writer *w, uint64_t pairs) { put_head(w, 5, pairs); }

/* ---- decoder ---- */

void cbor_reader_init(cbor_reader *r, const uint8_t *buf, size_t len)
{
    r->p = buf;
    r->end = buf + len;
}

static double half_to_double(uint16_t h)
{
    int exp = (h >> 10) & 0x1f;
    int mant = h & 0x3ff;
    double v;
    if (exp == 0)
        v = ldexp(mant, -24); /* subnormal */
    else if (exp != 31)
        v = ldexp(mant + 1024, exp - 25);
    else
        v = mant == 0 ? INFINITY : NAN;
    return (h & 0x8000) ? -v : v;
}

int cbor_read(cbor_reader *r, cbor_item *it)
{
    const uint8_t *p = r->p;
    uint64_t arg = 0;
    unsigned major, ai;

    memset(it, 0, sizeof *it);
    if (p >= r->end)
        return -1;
    major = *p >> 5;
    ai = *p & 0x1f;
    p++;

    if (ai < 24) {
        arg = ai;
    } else if (ai <= 27) {
        size_t n = (size_t)1 << (ai - 24);
        if ((size_t)(r->end - p) < n)
            return -1;
        for (size_t i = 0; i < n; i++)
            arg = arg << 8 | *p++;
    } else if (ai == 31) {
        if (major == 0 || major == 1 || major == 6)
            return -1;
        it->indefinite = 1;
    } else {
        return -1; /* 28..30 are reserved */
    }

    switch (major) {
    case 0:
        it->type = CBOR_UINT;
        it->u = arg;
        break;
    case 1:
        it->type = CBOR_NEGINT;
        it->u = arg;
        break;
    case 2:
    case 3:
        it->type = major == 2 ? CBOR_BYTES : CBOR_TEXT;
        if (!it->indefinite) {
            if (arg > (uint64_t)(r->end - p))
                return -1;
            it->str = p;
            it->len = (size_t)arg;
            p += arg;
        }
        break;
    case 4:
    case 5:
        it->type = major == 4 ? CBOR_ARRAY : CBOR_MAP;
        it->u = arg;
        break;
    case 6:
        it->type = CBOR_TAG;
        it->u = arg;
        break;
    default: /* 7 */
        if (ai == 31) {
            it->type = CBOR_BREAK;
            it->indefinite = 0;
        } else if (ai < 24) {
            it->type = ai == 20   ? CBOR_FALSE
                       : ai == 21 ? CBOR_TRUE
                       : ai == 22 ? CBOR_NULL
                       : ai == 23 ? CBOR_UNDEFINED
                                  : CBOR_SIMPLE;
            it->u = ai;
        } else if (ai == 24) {
            if (arg < 32)
                return -1; /* a two-byte simple value below 32 is not well-formed */
            it->type = CBOR_SIMPLE;
            it->u = arg;
        } else if (ai == 25) {
            it->type = CBOR_FLOAT;
            it->f = half_to_double((uint16_t)arg);
        } else if (ai == 26) {
            uint32_t bits = (uint32_t)arg;
            float f;
            memcpy(&f, &bits, sizeof f);
            it->type = CBOR_FLOAT;
            it->f = f;
        } else {
            double d;
            memcpy(&d, &arg, sizeof d);
            it->type = CBOR_FLOAT;
            it->f = d;
        }
        break;
    }
    r->p = p;
    return 0;
}

int cbor_at_break(const cbor_reader *r) { return r->p < r->end && *r->p == 0xff; }

static int skip_item(cbor_reader *r, int depth);

int cbor_skip_rest(cbor_reader *r, const cbor_item *it, int depth)
{
    if (depth > CBOR_MAX_DEPTH)
        return -1;
    switch (it->type) {
    case CBOR_BYTES:
    case CBOR_TEXT:
        if (!it->indefinite)
            return 0;
        for (;;) { /* chunks: definite strings of the same type, then a break */
            cbor_item chunk;
            if (cbor_at_break(r)) {
                r->p++;
                return 0;
            }
            if (cbor_read(r, &chunk) != 0 || chunk.type != it->type || chunk.indefinite)
                return -1;
        }
    case CBOR_ARRAY:
    case CBOR_MAP: {
        unsigned per = it->type == CBOR_MAP ? 2 : 1;
        if (it->indefinite) {
            for (;;) {
                if (cbor_at_break(r)) {
                    r->p++;
                    return 0;
                }
                for (unsigned k = 0; k < per; k++)
                    if (skip_item(r, depth + 1) != 0)
                        return -1;
            }
        }
        /* Each member takes at least one byte, so a huge count fails at the end of the buffer. */
        for (uint64_t i = 0; i < it->u; i++)
            for (unsigned k = 0; k < per; k++)
                if (skip_item(r, depth + 1) != 0)
                    return -1;
        return 0;
    }
    case CBOR_TAG:
        return skip_item(r, depth + 1);
    case CBOR_BREAK:
        return -1; /* a break where an item belongs */
    default:
        return 0;
    }
}

static int skip_item(cbor_reader *r, int depth)
{
    cbor_item it;
    if (cbor_read(r, &it) != 0)
        return -1;
    return cbor_skip_rest(r, &it, depth);
}

int cbor_skip(cbor_reader *r)
{
    const uint8_t *start = r->p;
    if (skip_item(r, 0) != 0) {
        r->p = start;
        return -1;
    }
    return 0;
}

int cbor_well_formed(const uint8_t *buf, size_t len)
{
    cbor_reader r;
    cbor_reader_init(&r, buf, len);
    return cbor_skip(&r) == 0 && r.p == r.end;
}

int cbor_item_number(const cbor_item *it, double *out)
{
    switch (it->type) {
    case CBOR_UINT:
        *out = (double)it->u;
        return 0;
    case CBOR_NEGINT:
        *out = -1.0 - (double)it->u;
        return 0;
    case CBOR_FLOAT:
        *out = it->f;
        return 0;
    default:
        return -1;
    }
}

int cbor_text_eq(const cbor_item *it, const char *s)
{
    size_t n = strlen(s);
    return it->type == CBOR_TEXT && !it->indefinite && it->len == n && memcmp(it->str, s, n) == 0;
}
