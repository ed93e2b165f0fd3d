/*
 * Peer harness for the ccsds Reed-Solomon codec (CCSDS 131.0-B-4 section 4): calls libfec's
 * encoder and decoder so tests can compare codeblocks byte for byte and benchmarks can time the
 * C implementation in the same run. Built at run time: cc -O2 libfec_rs.c -o libfec_rs -lfec
 *
 *   libfec_rs encode <E> <dual|conventional>   stdin: k-octet data blocks; stdout: 255-octet codeblocks
 *   libfec_rs decode <E> <dual|conventional>   stdin: 255-octet codeblocks; stdout, per block:
 *                                              1 octet result (corrections, 0xff = uncorrectable)
 *                                              followed by the 255 decoded octets
 *   libfec_rs bench <encode|decode-clean|decode-errors> <E> <codeblocks> <min-seconds>
 *                                              prints "<seconds per iteration> <iterations>", one
 *                                              iteration = all codeblocks (decode cases copy each
 *                                              received block into a work buffer first)
 *
 * E = 16 uses encode_rs_ccsds/decode_rs_ccsds (dual basis) or encode_rs_8/decode_rs_8
 * (conventional); E = 8 uses init_rs_char(8, 0x187, 120, 11, 16, 0), wrapped with Tal1tab/Taltab
 * for the dual basis as libfec's own CCSDS wrapper does for E = 16.
 */
#include <fec.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int E = 16;
static int dual = 1;
static void *rs8 = NULL;

static void codec_encode(unsigned char *block) {
  int nroots = 2 * E, k = 255 - nroots;
  if (E == 16) {
    if (dual) encode_rs_ccsds(block, block + k, 0);
    else encode_rs_8(block, block + k, 0);
    return;
  }
  if (!dual) {
    encode_rs_char(rs8, block, block + k);
    return;
  }
  unsigned char conv[255], par[32];
  for (int i = 0; i < k; i++) conv[i] = Tal1tab[block[i]];
  encode_rs_char(rs8, conv, par);
  for (int i = 0; i < nroots; i++) block[k + i] = Taltab[par[i]];
}

static int codec_decode(unsigned char *block) {
  if (E == 16) return dual ? decode_rs_ccsds(block, NULL, 0, 0) : decode_rs_8(block, NULL, 0, 0);
  if (!dual) return decode_rs_char(rs8, block, NULL, 0);
  unsigned char conv[255];
  for (int i = 0; i < 255; i++) conv[i] = Tal1tab[block[i]];
  int r = decode_rs_char(rs8, conv, NULL, 0);
  if (r > 0)
    for (int i = 0; i < 255; i++) block[i] = Taltab[conv[i]];
  return r;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static size_t read_full(unsigned char *buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    size_t r = fread(buf + got, 1, n - got, stdin);
    if (r == 0) break;
    got += r;
  }
  return got;
}

static unsigned int rng_state = 12345u;
static unsigned int rng(void) {
  rng_state = rng_state * 1103515245u + 12345u;
  return rng_state >> 8;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s encode|decode|bench ...\n", argv[0]);
    return 2;
  }
  int k;
  if (strcmp(argv[1], "bench") == 0) {
    if (argc < 6) return 2;
    E = atoi(argv[3]);
  } else {
    E = atoi(argv[2]);
    dual = strcmp(argv[3], "dual") == 0;
  }
  if (E != 8 && E != 16) return 2;
  k = 255 - 2 * E;
  if (E == 8) {
    rs8 = init_rs_char(8, 0x187, 120, 11, 16, 0);
    if (rs8 == NULL) return 3;
  }
  unsigned char block[255];
  if (strcmp(argv[1], "encode") == 0) {
    while (read_full(block, (size_t)k) == (size_t)k) {
      codec_encode(block);
      fwrite(block, 1, 255, stdout);
    }
    return 0;
  }
  if (strcmp(argv[1], "decode") == 0) {
    while (read_full(block, 255) == 255) {
      int r = codec_decode(block);
      unsigned char status = (unsigned char)(r < 0 ? 0xff : r);
      fwrite(&status, 1, 1, stdout);
      fwrite(block, 1, 255, stdout);
    }
    return 0;
  }
  if (strcmp(argv[1], "bench") == 0) {
    const char *op = argv[2];
    int blocks = atoi(argv[4]);
    double minSeconds = atof(argv[5]);
    if (blocks < 1) return 2;
    unsigned char *clean = malloc((size_t)blocks * 255);
    unsigned char *rx = malloc((size_t)blocks * 255);
    unsigned char *work = malloc((size_t)blocks * 255);
    if (!clean || !rx || !work) return 3;
    for (int b = 0; b < blocks; b++) {
      unsigned char *p = clean + (size_t)b * 255;
      for (int i = 0; i < k; i++) p[i] = (unsigned char)rng();
      codec_encode(p);
      memcpy(rx + (size_t)b * 255, p, 255);
      if (strcmp(op, "decode-errors") == 0) {
        unsigned char hit[255] = {0};
        for (int e = 0; e < E;) {
          int pos = (int)(rng() % 255);
          if (hit[pos]) continue;
          hit[pos] = 1;
          rx[(size_t)b * 255 + pos] ^= (unsigned char)(1 + rng() % 255);
          e++;
        }
      }
    }
    memcpy(work, clean, (size_t)blocks * 255);
    long iters = 0;
    volatile long sink = 0;
    double t0 = now(), t;
    do {
      if (strcmp(op, "encode") == 0) {
        for (int b = 0; b < blocks; b++) codec_encode(work + (size_t)b * 255);
      } else {
        memcpy(work, rx, (size_t)blocks * 255);
        for (int b = 0; b < blocks; b++) sink += codec_decode(work + (size_t)b * 255);
      }
      iters++;
      t = now();
    } while (t - t0 < minSeconds);
    if (strcmp(op, "decode-errors") == 0 && memcmp(work, clean, (size_t)blocks * 255) != 0) {
      fprintf(stderr, "libfec did not correct the benchmark blocks\n");
      return 4;
    }
    printf("%.9e %ld\n", (t - t0) / (double)iters, iters);
    (void)sink;
    return 0;
  }
  return 2;
}
