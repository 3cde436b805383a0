// glibc's DNS resolver (libresolv, Debian libc6-dev): res_ninit, res_nquery, ns_initparse,
// ns_parserr. The BIP324 driver looks up DNS seeds with it (drivers/bip324/Discovery).
//
// glibc spells res_ninit/res_nquery/res_nclose as macros (for __res_ninit, ...) and `_res` as a
// call to the function __res_state(), whose name hides the struct's in Swift; these inline
// wrappers give Swift plain functions over a heap-allocated state.
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/nameser.h>
#include <resolv.h>

/// A zeroed resolver state, initialised from /etc/resolv.conf; NULL on failure. Free with
/// altnet_res_free.
static inline struct __res_state *altnet_res_new(void) {
    struct __res_state *state = calloc(1, sizeof(struct __res_state));
    if (state == NULL) return NULL;
    if (res_ninit(state) != 0) { free(state); return NULL; }
    return state;
}

static inline void altnet_res_free(struct __res_state *state) {
    res_nclose(state);
    free(state);
}

/// Ask only `server` (an IPv4 address and port, network order inside).
static inline void altnet_res_use_server(struct __res_state *state, struct sockaddr_in server) {
    state->nsaddr_list[0] = server;
    state->nscount = 1;
}

/// Ask only `server` (an IPv6 address and port, network order inside). glibc keeps IPv6 name
/// servers in `_u._ext.nsaddrs` (a heap copy it frees at res_nclose) with the IPv4 slot's
/// family zeroed, as res_ninit does for an IPv6 `nameserver` line. Returns -1 without memory.
static inline int altnet_res_use_server6(struct __res_state *state, struct sockaddr_in6 server) {
    if (state->_u._ext.nsaddrs[0] == NULL) {
        state->_u._ext.nsaddrs[0] = malloc(sizeof(struct sockaddr_in6));
        if (state->_u._ext.nsaddrs[0] == NULL) return -1;
    }
    *state->_u._ext.nsaddrs[0] = server;
    memset(&state->nsaddr_list[0], 0, sizeof(state->nsaddr_list[0]));
    state->nscount = 1;
    state->_u._ext.nscount = 0;
    return 0;
}

/// Seconds per try and number of tries.
static inline void altnet_res_timing(struct __res_state *state, int retrans, int retry) {
    state->retrans = retrans;
    state->retry = retry;
}

static inline int altnet_res_query(struct __res_state *state, const char *name, int type, unsigned char *answer, int length) {
    return res_nquery(state, name, ns_c_in, type, answer, length);
}
