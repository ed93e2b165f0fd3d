/*
 * libfec peer for the CCSDS 131.0-B-4 section 3 Viterbi decoder (K = 7, rate 1/2).
 * Built by the tests and the benchmark with: cc -O2 -o <tmp>/libfec_viterbi libfec_viterbi.c -lfec
 *
 * libfec's viterbi27 register convention puts the newest bit in the MSB, so the CCSDS code
 * (G1 = 171 first, G2 = 133 inverted) is polynomials { V27POLYB, -V27POLYA } (0x4f, then the
 * inverted 0x6d); the punctured rates use the mother code without inversion { V27POLYB, V27POLYA }
 * with erasures (128) at the punctured positions.
 *
 * Usage:
 *   libfec_viterbi decode <info_bits> <blocks> [plain]
 *       stdin: <blocks> terminated blocks of 2 * (info_bits + 6) soft symbols (libfec convention)
 *       stdout: for each block, (info_bits + 7) / 8 decoded octets
 *   libfec_viterbi bench <info_bits> <min_seconds> [port]
 *       stdin: one block; decodes it repeatedly for at least <min_seconds> and prints
 *       "<seconds per block> <iterations>" (the timed loop covers init, update and chainback)
 * "plain" selects the non-inverted mother code; "port" times the portable decoder explicitly
 * (create_viterbi27_port ...) instead of libfec's dispatching entry points.
 */
#include <fec.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int read_all(unsigned char *buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    size_t r = fread(buf + got, 1, n - got, stdin);
    if (r == 0) return -1;
    got += r;
  }
  return 0;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y ? 1 : 0;
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s decode|bench <info_bits> <blocks|min_seconds> [plain|port]\n", argv[0]);
    return 2;
  }
  int info_bits = atoi(argv[2]);
  if (info_bits <= 0 || info_bits > (1 << 24)) {
    fprintf(stderr, "bad info_bits\n");
    return 2;
  }
  int plain = argc > 4 && strcmp(argv[4], "plain") == 0;
  int port = argc > 4 && strcmp(argv[4], "port") == 0;
  int polys[2] = {V27POLYB, plain ? V27POLYA : -V27POLYA};
  size_t nsym = 2 * (size_t)(info_bits + 6);
  size_t nout = (size_t)(info_bits + 7) / 8;
  unsigned char *sym = malloc(nsym);
  unsigned char *out = malloc(nout);
  if (sym == NULL || out == NULL) return 1;

  if (strcmp(argv[1], "decode") == 0) {
    int blocks = atoi(argv[3]);
    set_viterbi27_polynomial(polys);
    void *vp = create_viterbi27(info_bits);
    if (vp == NULL) return 1;
    for (int b = 0; b < blocks; b++) {
      if (read_all(sym, nsym) != 0) {
        fprintf(stderr, "short input\n");
        return 1;
      }
      memset(out, 0, nout);
      init_viterbi27(vp, 0);
      update_viterbi27_blk(vp, sym, info_bits + 6);
      chainback_viterbi27(vp, out, (unsigned)info_bits, 0);
      fwrite(out, 1, nout, stdout);
    }
    delete_viterbi27(vp);
    return 0;
  }
  if (strcmp(argv[1], "bench") == 0) {
    double min_seconds = atof(argv[3]);
    if (read_all(sym, nsym) != 0) {
      fprintf(stderr, "short input\n");
      return 1;
    }
    void *vp;
    if (port) {
      set_viterbi27_polynomial_port(polys);
      vp = create_viterbi27_port(info_bits);
    } else {
      set_viterbi27_polynomial(polys);
      vp = create_viterbi27(info_bits);
    }
    if (vp == NULL) return 1;
    long iters = 0;
    size_t nb = 0, cap = 1024;
    double *times = malloc(cap * sizeof(double));
    if (times == NULL) return 1;
    double start = now();
    /* Batches of 8 decodes; report the median batch time per block (as the TypeScript side
     * reports mitata's median). */
    while (now() - start < min_seconds || iters < 16) {
      double t0 = now();
      for (int k = 0; k < 8; k++) {
        if (port) {
          init_viterbi27_port(vp, 0);
          update_viterbi27_blk_port(vp, sym, info_bits + 6);
          chainback_viterbi27_port(vp, out, (unsigned)info_bits, 0);
        } else {
          init_viterbi27(vp, 0);
          update_viterbi27_blk(vp, sym, info_bits + 6);
          chainback_viterbi27(vp, out, (unsigned)info_bits, 0);
        }
      }
      double dt = (now() - t0) / 8;
      if (nb == cap) {
        cap *= 2;
        times = realloc(times, cap * sizeof(double));
        if (times == NULL) return 1;
      }
      times[nb++] = dt;
      iters += 8;
    }
    qsort(times, nb, sizeof(double), cmp_double);
    printf("%.9f %ld\n", times[nb / 2], iters);
    return 0;
  }
  fprintf(stderr, "unknown mode %s\n", argv[1]);
  return 2;
}
