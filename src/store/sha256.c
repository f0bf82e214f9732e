/* sha256.c: SHA-256 of source files, through OpenSSL's libcrypto (EVP). Ingest hashes every
 * input file once, on its own thread; libsodium's portable SHA-256 (a few hundred MB/s) was
 * 8-12 % of an ingest's CPU, while libcrypto's uses the CPU's SHA extensions (SHA-NI) where
 * they exist, several times faster. Checked against libsodium on known answers, every length
 * around the block and padding boundaries and random chunkings (tests/unit/test_store_sha.c). */
#include "store/store_int.h"

#include <openssl/evp.h>

bool store_sha256_init(store_sha256 *s)
{
    s->ctx = EVP_MD_CTX_new();
    s->ok = s->ctx && EVP_DigestInit_ex(s->ctx, EVP_sha256(), NULL) == 1;
    return s->ok;
}

void store_sha256_update(store_sha256 *s, const void *data, size_t len)
{
    if (s->ok && len)
        s->ok = EVP_DigestUpdate(s->ctx, data, len) == 1;
}

bool store_sha256_final(store_sha256 *s, unsigned char out[32])
{
    unsigned int n = 0;
    bool ok = s->ok && EVP_DigestFinal_ex(s->ctx, out, &n) == 1 && n == 32;
    EVP_MD_CTX_free(s->ctx);
    s->ctx = NULL;
    s->ok = false;
    return ok;
}
