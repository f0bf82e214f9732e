/* sha256.c: SHA-256 of source files (FIPS 180-4), with the x86 SHA extensions when the CPU has
 * them and libsodium's portable code otherwise. Ingest hashes every input file once; libsodium's
 * SHA-256 runs at a few hundred MB/s, the SHA-NI rounds several times faster, so the hash of a
 * file no longer costs more CPU than the file's store work.
 *
 * Register layout of the SHA-NI path (Intel's convention): `abef` holds the working variables
 * a, b, e, f in dwords 3..0, `cdgh` holds c, d, g, h; SHA256RNDS2 does two rounds and the two
 * registers swap roles every two rounds. The message schedule is built four words at a time with
 * SHA256MSG1 / SHA256MSG2. Checked against libsodium on random inputs and chunkings
 * (tests/unit/test_store_sha.c). */
#include "store/store_int.h"

#include <sodium.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>
#define SHA_HAVE_NI_PATH 1
#endif

static const uint32_t sha_k[64] __attribute__((aligned(16))) = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2};

#ifdef SHA_HAVE_NI_PATH
static bool cpu_has_sha_ni(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
        return false;
    bool sha = b >> 29 & 1;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return false;
    return sha && (c >> 19 & 1) && (c >> 9 & 1); /* and SSE4.1, SSSE3 */
}

/* Hashes n 64-byte blocks into h[8]. */
__attribute__((target("sha,sse4.1,ssse3"))) static void blocks_ni(uint32_t h[8],
                                                                   const unsigned char *p,
                                                                   size_t n)
{
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
    __m128i dcba = _mm_loadu_si128((const __m128i *)h);       /* a b c d in dwords 0..3 */
    __m128i hgfe = _mm_loadu_si128((const __m128i *)(h + 4)); /* e f g h in dwords 0..3 */
    __m128i badc = _mm_shuffle_epi32(dcba, 0xB1);             /* b a d c */
    __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1B);             /* h g f e */
    __m128i abef = _mm_alignr_epi8(badc, efgh, 8);            /* f e b a */
    __m128i cdgh = _mm_blend_epi16(efgh, badc, 0xF0);         /* h g d c */
    for (; n; n--, p += 64) {
        __m128i abef0 = abef, cdgh0 = cdgh, w[4];
        for (int g = 0; g < 16; g++) {
            __m128i m;
            if (g < 4) {
                m = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * g)), bswap);
            } else {
                /* W[t..t+3] from W[t-16..t-1]: msg1 adds sigma0, the alignr brings W[t-7..t-4],
                 * msg2 adds sigma1 */
                __m128i t = _mm_sha256msg1_epu32(w[g & 3], w[(g + 1) & 3]);
                t = _mm_add_epi32(t, _mm_alignr_epi8(w[(g + 3) & 3], w[(g + 2) & 3], 4));
                m = _mm_sha256msg2_epu32(t, w[(g + 3) & 3]);
            }
            w[g & 3] = m;
            __m128i wk = _mm_add_epi32(m, _mm_load_si128((const __m128i *)(sha_k + 4 * g)));
            cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
            abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(wk, 0x0E));
        }
        abef = _mm_add_epi32(abef, abef0);
        cdgh = _mm_add_epi32(cdgh, cdgh0);
    }
    __m128i feba = _mm_shuffle_epi32(abef, 0x1B); /* a b e f */
    __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1); /* g h c d */
    _mm_storeu_si128((__m128i *)h, _mm_blend_epi16(feba, dchg, 0xF0));
    _mm_storeu_si128((__m128i *)(h + 4), _mm_alignr_epi8(dchg, feba, 8));
}
#endif

void store_sha256_init(store_sha256 *s)
{
    static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memset(s, 0, sizeof *s);
#ifdef SHA_HAVE_NI_PATH
    s->ni = cpu_has_sha_ni();
#endif
    if (s->ni)
        memcpy(s->h, iv, sizeof iv);
    else
        crypto_hash_sha256_init(&s->portable);
}

void store_sha256_update(store_sha256 *s, const void *data, size_t len)
{
    if (!s->ni) {
        crypto_hash_sha256_update(&s->portable, data, len);
        return;
    }
#ifdef SHA_HAVE_NI_PATH
    const unsigned char *p = data;
    s->bytes += len;
    if (s->fill) {
        size_t take = 64 - s->fill < len ? 64 - s->fill : len;
        memcpy(s->buf + s->fill, p, take);
        s->fill += take;
        p += take;
        len -= take;
        if (s->fill < 64)
            return;
        blocks_ni(s->h, s->buf, 1);
        s->fill = 0;
    }
    if (len >= 64) {
        blocks_ni(s->h, p, len / 64);
        p += len / 64 * 64;
        len %= 64;
    }
    memcpy(s->buf, p, len);
    s->fill = len;
#endif
}

void store_sha256_final(store_sha256 *s, unsigned char out[32])
{
    if (!s->ni) {
        crypto_hash_sha256_final(&s->portable, out);
        return;
    }
#ifdef SHA_HAVE_NI_PATH
    uint64_t bits = s->bytes * 8;
    unsigned char pad[72] = {0x80};
    size_t n = (s->fill < 56 ? 56 : 120) - s->fill;
    for (int i = 0; i < 8; i++)
        pad[n + (size_t)i] = (unsigned char)(bits >> (56 - 8 * i));
    store_sha256_update(s, pad, n + 8);
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 4; j++)
            out[4 * i + j] = (unsigned char)(s->h[i] >> (24 - 8 * j));
#endif
}
