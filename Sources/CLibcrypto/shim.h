/* The system's OpenSSL libcrypto (Debian's libssl-dev): SHA-256 and ed25519
 * for packages and the loader's check of an installed library. A system
 * library builds in no time; swift-crypto would compile BoringSSL (about six
 * minutes more for every fresh build). */
#include <openssl/evp.h>
#include <openssl/rand.h>

/* EVP_PKEY_ED25519 is a macro of a macro, which Swift does not import. */
static inline int neko_evp_pkey_ed25519(void) { return EVP_PKEY_ED25519; }
