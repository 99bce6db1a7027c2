/* Self-test of cbor.c: RFC 8949 Appendix A vectors, malformed inputs, and a
 * fixed-seed fuzz (random bytes and mutations of a valid frame) that must never
 * read out of bounds (run it under valgrind). Exit status 0 when all pass. */
#include "cbor.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define CHECK(cond, ...)                                                                                     \
    do {                                                                                                     \
        if (!(cond)) {                                                                                       \
            failures++;                                                                                      \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                             \
            fprintf(stderr, __VA_ARGS__);                                                                    \
            fputc('\n', stderr);                                                                             \
        }                                                                                                    \
    } while (0)

static size_t unhex(const char *hex, uint8_t *out)
{
    size_t n = 0;
    for (; hex[0] && hex[1]; hex += 2) {
        unsigned b;
        sscanf(hex, "%2x", &b);
        out[n++] = (uint8_t)b;
    }
    return n;
}

static void decode_one(const char *hex, cbor_item *it)
{
    static uint8_t buf[64]; /* static: it->str points into it */
    size_t n = unhex(hex, buf);
    cbor_reader r;
    cbor_reader_init(&r, buf, n);
    CHECK(cbor_well_formed(buf, n), "%s should be well-formed", hex);
    CHECK(cbor_read(&r, it) == 0, "%s should decode", hex);
}

static void expect_uint(const char *hex, uint64_t want)
{
    cbor_item it;
    decode_one(hex, &it);
    CHECK(it.type == CBOR_UINT && it.u == want, "%s: uint", hex);
}

static void expect_number(const char *hex, double want)
{
    cbor_item it;
    double got = 0;
    decode_one(hex, &it);
    CHECK(cbor_item_number(&it, &got) == 0, "%s: not a number", hex);
    if (isnan(want))
        CHECK(isnan(got), "%s: want NaN, got %g", hex, got);
    else
        CHECK(got == want && signbit(got) == signbit(want), "%s: want %.17g, got %.17g", hex, want, got);
}

static void expect_type(const char *hex, cbor_type type)
{
    cbor_item it;
    decode_one(hex, &it);
    CHECK(it.type == type, "%s: type %d, want %d", hex, (int)it.type, (int)type);
}

static void expect_malformed(const char *hex)
{
    uint8_t buf[128];
    size_t n = unhex(hex, buf);
    CHECK(!cbor_well_formed(buf, n), "%s should be malformed", hex);
}

static void expect_encoding(const uint8_t *got, size_t n, const char *hex)
{
    uint8_t want[64];
    size_t m = unhex(hex, want);
    CHECK(n == m && memcmp(got, want, n) == 0, "encoding should be %s", hex);
}

static void test_vectors(void)
{
    cbor_item it;

    expect_uint("00", 0);
    expect_uint("17", 23);
    expect_uint("1818", 24);
    expect_uint("1903e8", 1000);
    expect_uint("1a000f4240", 1000000);
    expect_uint("1b000000e8d4a51000", 1000000000000ull);
    expect_uint("1bffffffffffffffff", 18446744073709551615ull);
    expect_number("20", -1);
    expect_number("3863", -100);
    expect_number("3903e7", -1000);

    expect_number("f90000", 0.0);
    expect_number("f98000", -0.0);
    expect_number("f93c00", 1.0);
    expect_number("f93e00", 1.5);
    expect_number("f97bff", 65504.0);
    expect_number("f90001", 5.960464477539063e-8);
    expect_number("f90400", 0.00006103515625);
    expect_number("f9c400", -4.0);
    expect_number("f97c00", INFINITY);
    expect_number("f9fc00", -INFINITY);
    expect_number("f97e00", NAN);
    expect_number("fa47c35000", 100000.0);
    expect_number("fa7f7fffff", 3.4028234663852886e+38);
    expect_number("fa7f800000", INFINITY);
    expect_number("fb3ff199999999999a", 1.1);
    expect_number("fb7e37e43c8800759c", 1.0e+300);
    expect_number("fbc010666666666666", -4.1);

    expect_type("f4", CBOR_FALSE);
    expect_type("f5", CBOR_TRUE);
    expect_type("f6", CBOR_NULL);
    expect_type("f7", CBOR_UNDEFINED);
    expect_type("f0", CBOR_SIMPLE);
    expect_type("f8ff", CBOR_SIMPLE);
    expect_type("c074323031332d30332d32315432303a30343a30305a", CBOR_TAG);

    decode_one("6449455446", &it);
    CHECK(cbor_text_eq(&it, "IETF"), "text IETF");
    decode_one("60", &it);
    CHECK(cbor_text_eq(&it, ""), "empty text");
    expect_type("a26161016162820203", CBOR_MAP);
    expect_type("7f657374726561646d696e67ff", CBOR_TEXT);
    expect_type("9fff", CBOR_ARRAY);
    expect_type("bf6346756ef563416d7421ff", CBOR_MAP);
    expect_type("9f018202039f0405ffff", CBOR_ARRAY);
}

static void test_malformed(void)
{
    char deep[2 * 40 + 3];
    expect_malformed("");
    expect_malformed("18");          /* truncated argument */
    expect_malformed("1c");          /* reserved additional info */
    expect_malformed("1f");          /* indefinite integer */
    expect_malformed("f818");        /* two-byte simple value below 32 */
    expect_malformed("6261");        /* short text */
    expect_malformed("81");          /* array missing its member */
    expect_malformed("ff");          /* lone break */
    expect_malformed("5f6161ff");    /* text chunk in an indefinite byte string */
    expect_malformed("7f7f6161ffff");/* nested indefinite chunk */
    expect_malformed("0000");        /* trailing bytes */
    expect_malformed("bf01ff");      /* indefinite map with a key and no value */
    expect_malformed("a1");          /* map missing its pair */
    expect_malformed("9bffffffffffffffff00"); /* absurd count */
    expect_malformed("7bffffffffffffffff61"); /* absurd length */
    expect_malformed("c1");          /* tag without its item */
    for (int i = 0; i < 40; i++)
        memcpy(deep + 2 * i, "81", 2);
    memcpy(deep + 80, "00", 3);
    expect_malformed(deep);          /* nested deeper than CBOR_MAX_DEPTH */
}

static void test_encoder(void)
{
    uint8_t buf[64];
    cbor_writer w;

    cbor_writer_init(&w, buf, sizeof buf);
    cbor_put_uint(&w, 1000);
    expect_encoding(buf, w.len, "1903e8");

    cbor_writer_init(&w, buf, sizeof buf);
    cbor_put_int(&w, -1000);
    cbor_put_int(&w, INT64_MIN);
    expect_encoding(buf, w.len, "3903e73b7fffffffffffffff");

    cbor_writer_init(&w, buf, sizeof buf);
    cbor_put_double(&w, 1.1);
    expect_encoding(buf, w.len, "fb3ff199999999999a");

    cbor_writer_init(&w, buf, sizeof buf);
    cbor_put_map(&w, 2);
    cbor_put_text(&w, "a");
    cbor_put_uint(&w, 1);
    cbor_put_text(&w, "b");
    cbor_put_array(&w, 3);
    cbor_put_bool(&w, 1);
    cbor_put_bool(&w, 0);
    cbor_put_null(&w);
    expect_encoding(buf, w.len, "a2616101616283f5f4f6");
    CHECK(!w.overflow, "no overflow");

    cbor_writer_init(&w, buf, 4);
    cbor_put_text(&w, "hello");
    CHECK(w.overflow, "overflow is reported");
}

static unsigned long long rng_state = 0x9e3779b97f4a7c15ull;

static unsigned rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (unsigned)(rng_state >> 11);
}

/* Random and mutated inputs, each copied into an exactly-sized heap block so
 * that valgrind catches any read past the end. */
static void test_fuzz(void)
{
    uint8_t frame[128];
    size_t frame_len;
    cbor_writer w;
    cbor_writer_init(&w, frame, sizeof frame);
    cbor_put_map(&w, 6);
    cbor_put_text(&w, "v");
    cbor_put_uint(&w, 1);
    cbor_put_text(&w, "id");
    cbor_put_uint(&w, 1234);
    cbor_put_text(&w, "op");
    cbor_put_text(&w, "set");
    cbor_put_text(&w, "name");
    cbor_put_text(&w, "relay");
    cbor_put_text(&w, "value");
    cbor_put_double(&w, 1.0);
    cbor_put_text(&w, "reply");
    cbor_put_text(&w, "wasmhost/v1/peers/p/reply");
    frame_len = w.len;
    CHECK(cbor_well_formed(frame, frame_len), "the sample rpc frame is well-formed");

    for (int round = 0; round < 20000; round++) {
        size_t n = round % 2 ? frame_len : rnd() % 64;
        uint8_t *buf = malloc(n ? n : 1);
        cbor_reader r;
        cbor_item it;
        if (!buf)
            abort();
        if (round % 2) {
            memcpy(buf, frame, n);
            for (int k = 0, m = 1 + rnd() % 4; k < m; k++)
                buf[rnd() % n] = (uint8_t)rnd();
            n = rnd() % (n + 1); /* and maybe truncate */
        } else {
            for (size_t k = 0; k < n; k++)
                buf[k] = (uint8_t)rnd();
        }
        (void)cbor_well_formed(buf, n);
        cbor_reader_init(&r, buf, n);
        while (cbor_read(&r, &it) == 0) {
            double d;
            (void)cbor_item_number(&it, &d);
        }
        free(buf);
    }
}

int main(void)
{
    test_vectors();
    test_malformed();
    test_encoder();
    test_fuzz();
    if (failures) {
        fprintf(stderr, "%d failure(s)\n", failures);
        return 1;
    }
    puts("cbor-test: all passed");
    return 0;
}
