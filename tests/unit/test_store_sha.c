/* test_store_sha.c: the store's SHA-256 of source files (src/store/sha256.c, libcrypto) equals
 * libsodium's on the FIPS 180-4 examples, on every length around the block and padding
 * boundaries, and on a large buffer fed in random pieces. */
#include "check.h"
#include "store/store_int.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void hex(const unsigned char *d, char out[65])
{
    sodium_bin2hex(out, 65, d, 32);
}

static void ours(const unsigned char *p, size_t n, size_t piece, unsigned char out[32])
{
    store_sha256 s;
    CHECK(store_sha256_init(&s));
    while (n) {
        size_t k = piece ? (size_t)(next_rand() % (piece + 1)) : n;
        if (k > n)
            k = n;
        store_sha256_update(&s, p, k);
        p += k;
        n -= k;
    }
    CHECK(store_sha256_final(&s, out));
}

static void test_known_answers(void)
{
    unsigned char d[32];
    char h[65];
    ours((const unsigned char *)"abc", 3, 0, d);
    hex(d, h);
    CHECK_STR(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    ours((const unsigned char *)"", 0, 0, d);
    hex(d, h);
    CHECK_STR(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    ours((const unsigned char *)two, strlen(two), 0, d);
    hex(d, h);
    CHECK_STR(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_lengths(void)
{
    unsigned char buf[300], a[32], b[32];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (unsigned char)next_rand();
    int bad = 0;
    for (size_t n = 0; n <= sizeof buf; n++) {
        crypto_hash_sha256(a, buf, n);
        ours(buf, n, 0, b);
        bad += memcmp(a, b, 32) != 0;
        ours(buf, n, 7, b); /* in pieces of 0..7 bytes */
        bad += memcmp(a, b, 32) != 0;
    }
    CHECK_INT(bad, 0);
}

static void test_large_pieces(void)
{
    size_t n = 5u << 20;
    unsigned char *buf = malloc(n), a[32], b[32];
    for (size_t i = 0; i < n; i += 8) {
        uint64_t r = next_rand();
        memcpy(buf + i, &r, 8);
    }
    crypto_hash_sha256(a, buf, n);
    for (int round = 0; round < 4; round++) {
        ours(buf, n - (size_t)round * 13, round ? 1u << (10 + 3 * round) : 0, b);
        if (round)
            crypto_hash_sha256(a, buf, n - (size_t)round * 13);
        CHECK(!memcmp(a, b, 32));
    }
    free(buf);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    RUN(test_known_answers);
    RUN(test_lengths);
    RUN(test_large_pieces);
    return check_summary();
}
