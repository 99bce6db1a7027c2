// hello-command: a wasi:cli/run command component in plain C (wasi-libc).
//
// It exercises what `wasmhost run` grants a command: arguments, environment,
// a preopened directory, stdout/stderr and the exit code.
//
//   hello [--list] [--cat FILE] [--write FILE TEXT] [--exit CODE] [ARGS...]
//
// stdout: the arguments, a greeting from $GREETING ("Hello" if unset), then
// what the options asked for. stderr: diagnostics, and "hello: done" last.
// Files are relative to the guest directory /data (`--dir host::/data`).
// Exit code: CODE from --exit (0..255), 1 if a file operation failed, else 0.

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DATA "/data"

// wasi-libc's exit(n) goes through the preview1 adapter's proc_exit, which
// reports any n != 0 as plain failure (1). wasi:cli/exit@0.2.12's
// exit-with-code keeps the number, so call it directly (u8 is lowered as i32).
__attribute__((import_module("wasi:cli/exit@0.2.12"), import_name("exit-with-code")))
_Noreturn extern void wasi_cli_exit_with_code(int32_t status);

static int cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

// Prints the entries of /data, sorted so the output does not depend on the host.
static int list_data(void) {
  DIR *d = opendir(DATA);
  if (!d) {
    fprintf(stderr, "hello: cannot open %s: %s\n", DATA, strerror(errno));
    return 1;
  }
  char *names[256];
  size_t n = 0;
  struct dirent *e;
  while ((e = readdir(d)) && n < 256) {
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) names[n++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof names[0], cmp);
  printf("%s: %zu entries\n", DATA, n);
  for (size_t i = 0; i < n; i++) {
    printf("  %s\n", names[i]);
    free(names[i]);
  }
  return 0;
}

static int cat_file(const char *name) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", DATA, name);
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "hello: cannot read %s: %s\n", path, strerror(errno));
    return 1;
  }
  char buf[4096];
  size_t got;
  while ((got = fread(buf, 1, sizeof buf, f)) > 0) fwrite(buf, 1, got, stdout);
  fclose(f);
  return 0;
}

static int write_file(const char *name, const char *text) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", DATA, name);
  FILE *f = fopen(path, "w");
  if (!f) {
    fprintf(stderr, "hello: cannot write %s: %s\n", path, strerror(errno));
    return 1;
  }
  fprintf(f, "%s\n", text);
  int bad = fclose(f) != 0;
  if (bad) fprintf(stderr, "hello: cannot write %s: %s\n", path, strerror(errno));
  else printf("wrote %s\n", path);
  return bad;
}

int main(int argc, char **argv) {
  printf("argc=%d\n", argc);
  for (int i = 0; i < argc; i++) printf("argv[%d]=%s\n", i, argv[i]);
  const char *greeting = getenv("GREETING");
  printf("%s from a wasm command\n", greeting ? greeting : "Hello");

  int code = 0, failed = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--list")) {
      failed |= list_data();
    } else if (!strcmp(argv[i], "--cat") && i + 1 < argc) {
      failed |= cat_file(argv[++i]);
    } else if (!strcmp(argv[i], "--write") && i + 2 < argc) {
      failed |= write_file(argv[i + 1], argv[i + 2]);
      i += 2;
    } else if (!strcmp(argv[i], "--exit") && i + 1 < argc) {
      code = atoi(argv[++i]) & 0xff;
    }
  }
  fflush(stdout);
  fprintf(stderr, "hello: done\n");
  if (code) wasi_cli_exit_with_code(code);
  return failed;
}
