// Shim for GMP: Swift cannot import function-like macros, so the few GMP macros Apiary needs
// are re-exposed as static inline functions. The mpz_* names are #defines for __gmpz_*;
// Swift code calls the __gmpz_* symbols directly.
#ifndef APIARY_CGMP_SHIM_H
#define APIARY_CGMP_SHIM_H
#include <gmp.h>
#include <stddef.h>

static inline int apiary_mpz_sgn(mpz_srcptr z) { return mpz_sgn(z); }
static inline int apiary_mpz_odd_p(mpz_srcptr z) { return mpz_odd_p(z); }
static inline size_t apiary_mpz_limb_count(mpz_srcptr z) { return mpz_size(z); }
static inline int apiary_mpz_alloc(mpz_srcptr z) { return z->_mp_alloc; }
static inline mp_limb_t *apiary_mpz_limbs(mpz_ptr z) { return z->_mp_d; }
static inline int apiary_gmp_limb_bits(void) { return GMP_NUMB_BITS; }
#endif
