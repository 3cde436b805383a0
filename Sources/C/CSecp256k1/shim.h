// Debian bookworm's libsecp256k1-dev 0.2.0: no ellswift module (altnet ships its own).
#include <secp256k1.h>
#include <secp256k1_ecdh.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>
#include <secp256k1_recovery.h>
#include <secp256k1_preallocated.h>
