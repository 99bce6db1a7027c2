// threshold-alarm: a wasmhost sensor-app written in C against world.wit.
//
// There is no wit-bindgen on this toolchain, so the canonical ABI glue is
// written by hand below: imports through import_module/import_name, exports
// through export_name, a cabi_realloc for the host to allocate strings in our
// memory, static return areas, and cabi_post_* functions that free returned
// strings once the host has copied them.
//
// Config (wasi:config/store): "threshold" in °C (default 30), "actuator" (the
// name of an actuator to switch 1/0 with the alarm; none if absent).

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_THRESHOLD 30.0
#define HYSTERESIS 0.5 /* °C below the threshold before the alarm clears */
#define ALPHA 0.25     /* smoothing factor of the moving average */

// ---- canonical ABI: memory --------------------------------------------------

__attribute__((export_name("cabi_realloc")))
void *cabi_realloc(void *old, size_t old_size, size_t align, size_t new_size) {
  (void)old_size;
  if (new_size == 0) {
    if (old) free(old);
    return (void *)align;
  }
  void *p = realloc(old, new_size);
  if (!p) __builtin_trap();
  return p;
}

// Strings the host lowered into our memory are ours to free; a zero-length
// one may point at no allocation.
static void free_lowered(void *ptr, size_t len) {
  if (len) free(ptr);
}

// ---- imports ----------------------------------------------------------------

enum log_level { LOG_TRACE, LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_CRITICAL };

__attribute__((import_module("wasi:logging/logging@0.1.0-draft"), import_name("log")))
extern void wasi_logging_log(int32_t level, const char *ctx, size_t ctx_len,
                             const char *msg, size_t msg_len);

// get: func(key: string) -> result<option<string>, error>
// Return area: [0] result tag, [4] option tag or error tag, [8] ptr, [12] len.
__attribute__((import_module("wasi:config/store@0.2.0-draft"), import_name("get")))
extern void wasi_config_get(const char *key, size_t key_len, void *ret);

// set: func(name: string, value: f64) -> result<_, actuator-error>
// Return area: [0] result tag, [4] error tag, [8] ptr, [12] len (unavailable).
__attribute__((import_module("wasmhost:device/actuators@0.1.0"), import_name("set")))
extern void device_actuators_set(const char *name, size_t name_len, double value, void *ret);

static _Alignas(8) uint8_t import_ret[16];

// ---- small text helpers (no stdio: keeps the component small) ---------------

typedef struct { char *buf; size_t len, cap; } text;

static void put(text *t, const char *s, size_t n) {
  if (t->len + n > t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 64;
    while (cap < t->len + n) cap *= 2;
    t->buf = realloc(t->buf, cap);
    if (!t->buf) __builtin_trap();
    t->cap = cap;
  }
  memcpy(t->buf + t->len, s, n);
  t->len += n;
}

static void puts_(text *t, const char *s) { put(t, s, strlen(s)); }

// Writes x rounded half away from zero to one decimal, e.g. "-3.5", "31.3".
static void put_num(text *t, double x) {
  if (x != x) { puts_(t, "NaN"); return; }
  int neg = x < 0;
  double r = __builtin_floor((neg ? -x : x) * 10.0 + 0.5);
  if (r > 1e15) { puts_(t, neg ? "-inf" : "inf"); return; }
  uint64_t tenths = (uint64_t)r;
  char digits[24];
  int n = 0;
  uint64_t whole = tenths / 10;
  do { digits[n++] = (char)('0' + whole % 10); whole /= 10; } while (whole);
  if (neg && tenths) put(t, "-", 1);
  while (n) put(t, &digits[--n], 1);
  char frac[2] = {'.', (char)('0' + tenths % 10)};
  put(t, frac, 2);
}

// Parses "[-]digits[.digits]"; returns 0 if s is not such a number.
static int parse_num(const char *s, size_t n, double *out) {
  size_t i = 0;
  int neg = 0, any = 0;
  double v = 0, scale = 1;
  while (i < n && s[i] == ' ') i++;
  if (i < n && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
  for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, any = 1) v = v * 10 + (s[i] - '0');
  if (i < n && s[i] == '.')
    for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, any = 1) v += (s[i] - '0') * (scale /= 10);
  while (i < n && s[i] == ' ') i++;
  if (!any || i != n) return 0;
  *out = neg ? -v : v;
  return 1;
}

static void log_text(enum log_level level, text *t) {
  static const char ctx[] = "threshold-alarm";
  wasi_logging_log(level, ctx, sizeof ctx - 1, t->buf, t->len);
  free(t->buf);
  *t = (text){0};
}

// ---- configuration, read once -------------------------------------------------

static int configured;
static double threshold = DEFAULT_THRESHOLD;
static char *actuator;  // owned; NULL when no actuator is configured
static size_t actuator_len;

// Fetches a config value; returns 1 and an owned string if present.
static int config_get(const char *key, char **val, size_t *len) {
  wasi_config_get(key, strlen(key), import_ret);
  uint8_t is_err = import_ret[0], tag = import_ret[4];
  char *ptr = *(char **)(import_ret + 8);
  size_t n = *(uint32_t *)(import_ret + 12);
  if (is_err) {  // error::upstream(string) or error::io(string)
    text t = {0};
    puts_(&t, "config \"");
    puts_(&t, key);
    puts_(&t, tag == 0 ? "\" upstream error: " : "\" I/O error: ");
    put(&t, ptr, n);
    free_lowered(ptr, n);
    log_text(LOG_WARN, &t);
    return 0;
  }
  if (tag == 0) return 0;  // none
  *val = ptr;
  *len = n;
  return 1;
}

static void configure(void) {
  if (configured) return;
  configured = 1;
  char *v;
  size_t n;
  if (config_get("threshold", &v, &n)) {
    if (!parse_num(v, n, &threshold)) {
      text t = {0};
      puts_(&t, "config \"threshold\" is not a number: \"");
      put(&t, v, n);
      puts_(&t, "\"; using ");
      put_num(&t, DEFAULT_THRESHOLD);
      puts_(&t, " Cel");
      log_text(LOG_WARN, &t);
      threshold = DEFAULT_THRESHOLD;
    }
    free_lowered(v, n);
  }
  if (config_get("actuator", &v, &n)) {
    if (n) { actuator = v; actuator_len = n; }
  }
}

// ---- the alarm ----------------------------------------------------------------

static int started, alarm_on;
static double smoothed;

static void drive_actuator(double value) {
  if (!actuator) return;
  device_actuators_set(actuator, actuator_len, value, import_ret);
  if (!import_ret[0]) return;
  static const char *const reasons[] = {"not found", "denied", "value out of range",
                                        "unavailable: ", "timeout"};
  uint8_t tag = import_ret[4];
  text t = {0};
  puts_(&t, "cannot set actuator \"");
  put(&t, actuator, actuator_len);
  puts_(&t, "\": ");
  puts_(&t, tag < 5 ? reasons[tag] : "unknown error");
  if (tag == 3) {
    char *ptr = *(char **)(import_ret + 8);
    size_t n = *(uint32_t *)(import_ret + 12);
    put(&t, ptr, n);
    free_lowered(ptr, n);
  }
  log_text(LOG_ERROR, &t);
}

// Smooths one sample; on a threshold crossing logs and drives the actuator.
static double step(const char *sensor, size_t sensor_len, double celsius) {
  configure();
  smoothed = started ? smoothed + ALPHA * (celsius - smoothed) : celsius;
  started = 1;
  int rose = !alarm_on && smoothed >= threshold;
  int fell = alarm_on && smoothed < threshold - HYSTERESIS;
  if (rose || fell) {
    alarm_on = rose;
    text t = {0};
    put(&t, sensor, sensor_len);
    puts_(&t, sensor_len ? ": smoothed " : "smoothed ");
    put_num(&t, smoothed);
    puts_(&t, rose ? " Cel rose above threshold " : " Cel fell back below threshold ");
    put_num(&t, threshold);
    puts_(&t, " Cel");
    log_text(rose ? LOG_WARN : LOG_INFO, &t);
    drive_actuator(rose ? 1.0 : 0.0);
  }
  return smoothed;
}

// ---- exports --------------------------------------------------------------------

__attribute__((export_name("process")))
double process(double celsius) {
  return step("", 0, celsius);
}

static _Alignas(8) uint8_t export_ret[12];

__attribute__((export_name("classify")))
void *classify(char *sensor, size_t sensor_len, double celsius) {
  configure();
  const char *cls = celsius < 0 ? "freezing"
                  : celsius < 10 ? "cold"
                  : celsius < threshold - 5 ? "normal"
                  : celsius < threshold ? "warm"
                  : "hot";
  text t = {0};
  put(&t, sensor, sensor_len);
  puts_(&t, ": ");
  put_num(&t, celsius);
  puts_(&t, " Cel ");
  puts_(&t, cls);
  free_lowered(sensor, sensor_len);
  *(char **)export_ret = t.buf;
  *(uint32_t *)(export_ret + 4) = (uint32_t)t.len;
  return export_ret;
}

__attribute__((export_name("cabi_post_classify")))
void cabi_post_classify(void *ret) {
  free(*(char **)ret);
}

// wasmhost:workload/reading-handler, exported by the sensor-app world:
// on-reading: func(sensor: string, reading: reading) -> result<_, string>
// reading = {value: f64, unit: string, timestamp-ms: u64}, flattened in place.
// Return area: [0] result tag, [4] error ptr, [8] error len.
#define READING_HANDLER "wasmhost:workload/reading-handler@0.1.0#"

__attribute__((export_name(READING_HANDLER "on-reading")))
void *on_reading(char *sensor, size_t sensor_len, double value, char *unit,
                 size_t unit_len, uint64_t timestamp_ms) {
  (void)timestamp_ms;
  double celsius = value;
  int ok = 1;
  if (unit_len == 1 && unit[0] == 'K') celsius = value - 273.15;
  else if (!(unit_len == 3 && memcmp(unit, "Cel", 3) == 0)) ok = 0;
  if (ok) {
    step(sensor, sensor_len, celsius);
    export_ret[0] = 0;
  } else {
    text t = {0};
    puts_(&t, "unit \"");
    put(&t, unit, unit_len);
    puts_(&t, "\" of sensor \"");
    put(&t, sensor, sensor_len);
    puts_(&t, "\" is not a temperature (want Cel or K)");
    export_ret[0] = 1;
    *(char **)(export_ret + 4) = t.buf;
    *(uint32_t *)(export_ret + 8) = (uint32_t)t.len;
  }
  free_lowered(sensor, sensor_len);
  free_lowered(unit, unit_len);
  return export_ret;
}

__attribute__((export_name("cabi_post_" READING_HANDLER "on-reading")))
void cabi_post_on_reading(uint8_t *ret) {
  if (ret[0]) free(*(char **)(ret + 4));
}
