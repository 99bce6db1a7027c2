/*
 * A tiny CBOR (RFC 8949) encoder and decoder: just what the wasmhost bridge
 * protocol needs. No allocation, no recursion beyond a fixed depth, every
 * read bounds-checked.
 *
 * Encoder: definite-length maps/arrays, text strings, unsigned and negative
 * integers, float64, true/false/null. A write that does not fit sets
 * `overflow` and writes nothing further.
 *
 * Decoder: reads one head at a time (cbor_read), skips whole items
 * (cbor_skip), and checks that a buffer holds exactly one well-formed item
 * (cbor_well_formed). Floats of 16, 32 and 64 bits decode to double.
 * Indefinite-length strings, arrays and maps and tags are understood well
 * enough to be skipped; a caller that needs a value asks for a definite one.
 */
#ifndef WASMHOST_CBOR_H
#define WASMHOST_CBOR_H

#include <stddef.h>
#include <stdint.h>

/* Nesting deeper than this is treated as malformed. */
#define CBOR_MAX_DEPTH 16

/* ---- encoder ---- */

typedef struct {
    uint8_t *buf;
    size_t cap;
    size_t len;
    int overflow; /* set once a write did not fit; the buffer is then unusable */
} cbor_writer;

void cbor_writer_init(cbor_writer *w, uint8_t *buf, size_t cap);
void cbor_put_uint(cbor_writer *w, uint64_t v);
void cbor_put_int(cbor_writer *w, int64_t v);
void cbor_put_text(cbor_writer *w, const char *s);              /* NUL-terminated */
void cbor_put_text_n(cbor_writer *w, const char *s, size_t n);
void cbor_put_double(cbor_writer *w, double v);                 /* always float64 */
void cbor_put_bool(cbor_writer *w, int v);
void cbor_put_null(cbor_writer *w);
void cbor_put_array(cbor_writer *w, uint64_t count);
void cbor_put_map(cbor_writer *w, uint64_t pairs);

/* ---- decoder ---- */

typedef enum {
    CBOR_UINT,   /* u = value */
    CBOR_NEGINT, /* u = n where the value is -1 - n */
    CBOR_BYTES,  /* str/len for definite; indefinite = 1 otherwise */
    CBOR_TEXT,   /* str/len for definite (not NUL-terminated, UTF-8 not checked) */
    CBOR_ARRAY,  /* u = count, or indefinite = 1 */
    CBOR_MAP,    /* u = number of pairs, or indefinite = 1 */
    CBOR_TAG,    /* u = tag number; the tagged item follows */
    CBOR_FALSE,
    CBOR_TRUE,
    CBOR_NULL,
    CBOR_UNDEFINED,
    CBOR_SIMPLE, /* other simple values, u = value */
    CBOR_FLOAT,  /* f = value (from float16, float32 or float64) */
    CBOR_BREAK   /* 0xff, ends an indefinite-length item */
} cbor_type;

typedef struct {
    cbor_type type;
    uint64_t u;
    double f;
    int indefinite;
    const uint8_t *str;
    size_t len;
} cbor_item;

typedef struct {
    const uint8_t *p;
    const uint8_t *end;
} cbor_reader;

void cbor_reader_init(cbor_reader *r, const uint8_t *buf, size_t len);

/* Reads one head (plus the payload of a definite string). 0 ok, -1 malformed
 * or truncated; on error the reader is left where it was. */
int cbor_read(cbor_reader *r, cbor_item *it);

/* Skips the contents of an item whose head `it` was just read (array and map
 * members, indefinite string chunks, a tag's item). 0 ok, -1 malformed. */
int cbor_skip_rest(cbor_reader *r, const cbor_item *it, int depth);

/* Reads and skips one whole data item. 0 ok, -1 malformed. */
int cbor_skip(cbor_reader *r);

/* 1 if the next byte is a break (0xff), else 0. */
int cbor_at_break(const cbor_reader *r);

/* 1 if buf holds exactly one well-formed data item and nothing after it. */
int cbor_well_formed(const uint8_t *buf, size_t len);

/* A number item (uint, negint or float) as a double. 0 ok, -1 not a number. */
int cbor_item_number(const cbor_item *it, double *out);

/* 1 if `it` is a definite text string equal to the NUL-terminated `s`. */
int cbor_text_eq(const cbor_item *it, const char *s);

#endif
