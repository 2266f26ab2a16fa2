/* A fake neko-worker that breaks the frame protocol, for the host's fuzz
 * tests. GARBAGE_MODE says how:
 *   random             random bytes on both lanes, from the first byte
 *   oversized          a frame header announcing 100 MiB
 *   hello-then-garbage a valid hello (plugin GARBAGE_ID, version 1.0.0, no
 *                      entries), then, once the host sends create, random bytes
 * GARBAGE_SEED seeds the bytes. It exits after writing: the host sees either
 * a malformed frame or the end of the lane, never a reply. */
#include "neko_abi.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void put32(unsigned char **p, uint32_t v) { memcpy(*p, &v, 4); *p += 4; }
static void put64(unsigned char **p, uint64_t v) { memcpy(*p, &v, 8); *p += 8; }
static void putstr(unsigned char **p, const char *s) {
    if (!s) { put32(p, 0xFFFFFFFFu); return; }
    put32(p, (uint32_t)strlen(s)); memcpy(*p, s, strlen(s)); *p += strlen(s);
}
static void noise(int fd, size_t count) {
    unsigned char buffer[4096];
    if (count > sizeof buffer) count = sizeof buffer;
    for (size_t i = 0; i < count; i++) buffer[i] = (unsigned char)(rand() & 0xFF);
    (void)!write(fd, buffer, count);
}

int main(void) {
    const char *mode = getenv("GARBAGE_MODE");
    const char *seed = getenv("GARBAGE_SEED");
    srand(seed ? (unsigned)atoi(seed) : 1u);
    if (!mode || strcmp(mode, "random") == 0) {
        noise(4, 1 + (size_t)(rand() % 4096));
        noise(3, 1 + (size_t)(rand() % 64));
        return 0;
    }
    if (strcmp(mode, "oversized") == 0) {
        unsigned char header[13] = {0}, *p = header;
        put32(&p, 100u << 20);
        *p++ = 64;
        put64(&p, 0);
        (void)!write(4, header, sizeof header);
        return 0;
    }
    /* hello-then-garbage */
    unsigned char frame[512], *p = frame + 4;
    *p++ = 32;          /* hello */
    put64(&p, 0);
    put32(&p, (uint32_t)sizeof(neko_plugin));
    put32(&p, 1);       /* abi 1.0 */
    put32(&p, 0);
    *p++ = 1;           /* complete */
    putstr(&p, getenv("GARBAGE_ID"));
    putstr(&p, "1.0.0");
    putstr(&p, NULL);   /* no Swift */
    putstr(&p, "c");
    put32(&p, (1u << 0) | (1u << 1) | (1u << 2) | (1u << 6)); /* create start invoke destroy */
    put32(&p, 0);       /* entry_count */
    put32(&p, 0);       /* entries */
    put32(&p, 0);       /* timer_count */
    put32(&p, 0);       /* timers */
    uint32_t length = (uint32_t)(p - frame - 4);
    memcpy(frame, &length, 4);
    (void)!write(4, frame, (size_t)(p - frame));
    unsigned char request[256];
    (void)!read(4, request, sizeof request);   /* the host's create */
    noise(4, 1 + (size_t)(rand() % 4096));
    return 0;
}
