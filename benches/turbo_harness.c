/*
 * Reference decoder for benches/decode_table.sh: libjpeg-turbo's TurboJPEG API, linked from the
 * same vendored library Echolab builds (turbojpeg-sys), decoding JPEG streams to RGB.
 *
 *   turbo_harness FRAME.jpg...
 *
 * Reads each file and decodes it into one reused RGB buffer, one thread, like
 * `echolab decode --threads 1` does with the frames of a DICOM file. Prints one line:
 * frames, pixels. Exit status 1 on any error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <turbojpeg.h>

int main(int argc, char **argv) {
  tjhandle tj = tj3Init(TJINIT_DECOMPRESS);
  unsigned char *rgb = NULL, *data = NULL;
  size_t rgb_size = 0, data_size = 0;
  long long pixels = 0;
  if (!tj) return 1;
  for (int i = 1; i < argc; i++) {
    FILE *f = fopen(argv[i], "rb");
    if (!f) { perror(argv[i]); return 1; }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    if (n <= 0) { fprintf(stderr, "%s: empty\n", argv[i]); return 1; }
    if ((size_t)n > data_size) { data = realloc(data, (size_t)n); data_size = (size_t)n; }
    if (fread(data, 1, (size_t)n, f) != (size_t)n) { fprintf(stderr, "%s: short read\n", argv[i]); return 1; }
    fclose(f);
    if (tj3DecompressHeader(tj, data, (size_t)n) != 0) {
      fprintf(stderr, "%s: %s\n", argv[i], tj3GetErrorStr(tj));
      return 1;
    }
    int w = tj3Get(tj, TJPARAM_JPEGWIDTH), h = tj3Get(tj, TJPARAM_JPEGHEIGHT);
    size_t need = (size_t)w * (size_t)h * 3;
    if (need > rgb_size) { rgb = realloc(rgb, need); rgb_size = need; }
    if (tj3Decompress8(tj, data, (size_t)n, rgb, w * 3, TJPF_RGB) != 0) {
      fprintf(stderr, "%s: %s\n", argv[i], tj3GetErrorStr(tj));
      return 1;
    }
    pixels += (long long)w * h;
  }
  printf("decoded %d frames, %lld pixels\n", argc - 1, pixels);
  tj3Destroy(tj);
  free(rgb);
  free(data);
  return 0;
}
