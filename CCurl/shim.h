#ifndef GOVER_CCURL_SHIM_H
#define GOVER_CCURL_SHIM_H

#include <curl/curl.h>

// gover calls libcurl only through the gover_-prefixed functions below. On Linux they
// resolve libcurl with dlopen on first use: linking it costs ~4.7 ms at every start-up here
// (its dependency tree: OpenSSL, GnuTLS, Kerberos, LDAP, ...), and `gover current` from a
// shell prompt never downloads anything. Elsewhere they call libcurl directly.
//
// curl_easy_setopt and curl_easy_getinfo are C-variadic, which Swift cannot call: one typed
// wrapper per argument kind keeps every call type-checked.

#if defined(__linux__)
#include <dlfcn.h>
#include <stddef.h>

static inline void *gover_curl_library(void) {
    static void *handle;
    void *loaded = __atomic_load_n(&handle, __ATOMIC_ACQUIRE);
    if (!loaded) {
        loaded = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
        __atomic_store_n(&handle, loaded, __ATOMIC_RELEASE);
    }
    return loaded;
}

/// NULL when libcurl loaded, else dlerror()'s explanation.
static inline const char *gover_curl_load_error(void) {
    return gover_curl_library() ? NULL : dlerror();
}

#define GOVER_CURL_SYMBOL(type, name)                                                     \
    static type cached;                                                                   \
    type function = __atomic_load_n(&cached, __ATOMIC_ACQUIRE);                           \
    if (!function) {                                                                      \
        function = (type)dlsym(gover_curl_library(), name);                               \
        __atomic_store_n(&cached, function, __ATOMIC_RELEASE);                            \
    }
#define GOVER_CURL_FUNCTION(ret, name, params, args)                                      \
    typedef ret(*gover_##name##_function) params;                                         \
    static inline ret gover_##name params {                                               \
        GOVER_CURL_SYMBOL(gover_##name##_function, #name)                                 \
        return function args;                                                             \
    }
typedef CURLcode (*gover_curl_setopt_function)(CURL *, CURLoption, ...);
typedef CURLcode (*gover_curl_getinfo_function)(CURL *, CURLINFO, ...);
#define GOVER_CURL_SETOPT GOVER_CURL_SYMBOL(gover_curl_setopt_function, "curl_easy_setopt")
#define GOVER_CURL_GETINFO GOVER_CURL_SYMBOL(gover_curl_getinfo_function, "curl_easy_getinfo")
#else
static inline const char *gover_curl_load_error(void) { return NULL; }
#define GOVER_CURL_FUNCTION(ret, name, params, args) \
    static inline ret gover_##name params { return name args; }
#define GOVER_CURL_SETOPT CURLcode (*function)(CURL *, CURLoption, ...) = curl_easy_setopt;
#define GOVER_CURL_GETINFO CURLcode (*function)(CURL *, CURLINFO, ...) = curl_easy_getinfo;
#endif

GOVER_CURL_FUNCTION(CURLcode, curl_global_init, (long flags), (flags))
GOVER_CURL_FUNCTION(CURL *, curl_easy_init, (void), ())
GOVER_CURL_FUNCTION(void, curl_easy_cleanup, (CURL *curl), (curl))
GOVER_CURL_FUNCTION(CURLcode, curl_easy_perform, (CURL *curl), (curl))
GOVER_CURL_FUNCTION(const char *, curl_easy_strerror, (CURLcode code), (code))
GOVER_CURL_FUNCTION(struct curl_slist *, curl_slist_append, (struct curl_slist *list, const char *text),
                    (list, text))
GOVER_CURL_FUNCTION(void, curl_slist_free_all, (struct curl_slist *list), (list))

typedef size_t (*gover_curl_write_callback)(char *data, size_t size, size_t count, void *context);
typedef int (*gover_curl_xferinfo_callback)(void *context, curl_off_t dltotal, curl_off_t dlnow,
                                            curl_off_t ultotal, curl_off_t ulnow);

static inline CURLcode gover_curl_setopt_long(CURL *curl, CURLoption option, long value) {
    GOVER_CURL_SETOPT
    return function(curl, option, value);
}

static inline CURLcode gover_curl_setopt_string(CURL *curl, CURLoption option, const char *value) {
    GOVER_CURL_SETOPT
    return function(curl, option, value);
}

static inline CURLcode gover_curl_setopt_pointer(CURL *curl, CURLoption option, void *value) {
    GOVER_CURL_SETOPT
    return function(curl, option, value);
}

static inline CURLcode gover_curl_setopt_off_t(CURL *curl, CURLoption option, curl_off_t value) {
    GOVER_CURL_SETOPT
    return function(curl, option, value);
}

static inline CURLcode gover_curl_setopt_slist(CURL *curl, CURLoption option, struct curl_slist *value) {
    GOVER_CURL_SETOPT
    return function(curl, option, value);
}

static inline CURLcode gover_curl_setopt_write_callback(CURL *curl, CURLoption option,
                                                        gover_curl_write_callback callback) {
    GOVER_CURL_SETOPT
    return function(curl, option, callback);
}

static inline CURLcode gover_curl_setopt_xferinfo_callback(CURL *curl,
                                                           gover_curl_xferinfo_callback callback) {
    GOVER_CURL_SETOPT
    return function(curl, CURLOPT_XFERINFOFUNCTION, callback);
}

static inline CURLcode gover_curl_getinfo_long(CURL *curl, CURLINFO info, long *value) {
    GOVER_CURL_GETINFO
    return function(curl, info, value);
}

static inline CURLcode gover_curl_getinfo_off_t(CURL *curl, CURLINFO info, curl_off_t *value) {
    GOVER_CURL_GETINFO
    return function(curl, info, value);
}

static inline CURLcode gover_curl_getinfo_string(CURL *curl, CURLINFO info, char **value) {
    GOVER_CURL_GETINFO
    return function(curl, info, value);
}

#endif
