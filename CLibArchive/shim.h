#ifndef GOVER_CLIBARCHIVE_SHIM_H
#define GOVER_CLIBARCHIVE_SHIM_H

#include <archive.h>
#include <archive_entry.h>

// gover calls libarchive only through the gover_-prefixed functions below. On Linux they
// resolve libarchive with dlopen on first use, so commands that never extract (`current`,
// `which`, `list`, `use`: the ones run from shell prompts) do not pay for loading it and its
// dependency tree at start-up (~1.6 ms here). Elsewhere they call libarchive directly.

#if defined(__linux__)
#include <dlfcn.h>
#include <stddef.h>

static inline void *gover_archive_library(void) {
    static void *handle;
    void *loaded = __atomic_load_n(&handle, __ATOMIC_ACQUIRE);
    if (!loaded) {
        loaded = dlopen("libarchive.so.13", RTLD_NOW | RTLD_LOCAL);
        __atomic_store_n(&handle, loaded, __ATOMIC_RELEASE);
    }
    return loaded;
}

/// NULL when libarchive loaded, else dlerror()'s explanation.
static inline const char *gover_archive_load_error(void) {
    return gover_archive_library() ? NULL : dlerror();
}

#define GOVER_ARCHIVE_FUNCTION(ret, name, params, args)                                   \
    static inline ret gover_##name params {                                               \
        static ret(*cached) params;                                                       \
        ret(*function) params = __atomic_load_n(&cached, __ATOMIC_ACQUIRE);               \
        if (!function) {                                                                  \
            function = (ret(*) params)dlsym(gover_archive_library(), #name);              \
            __atomic_store_n(&cached, function, __ATOMIC_RELEASE);                        \
        }                                                                                 \
        return function args;                                                             \
    }
#else
static inline const char *gover_archive_load_error(void) { return NULL; }
#define GOVER_ARCHIVE_FUNCTION(ret, name, params, args) \
    static inline ret gover_##name params { return name args; }
#endif

GOVER_ARCHIVE_FUNCTION(struct archive *, archive_read_new, (void), ())
GOVER_ARCHIVE_FUNCTION(int, archive_read_free, (struct archive *a), (a))
GOVER_ARCHIVE_FUNCTION(int, archive_read_support_filter_gzip, (struct archive *a), (a))
GOVER_ARCHIVE_FUNCTION(int, archive_read_support_format_tar, (struct archive *a), (a))
GOVER_ARCHIVE_FUNCTION(int, archive_read_support_format_zip_streamable, (struct archive *a), (a))
GOVER_ARCHIVE_FUNCTION(int, archive_read_support_format_raw, (struct archive *a), (a))
GOVER_ARCHIVE_FUNCTION(int, archive_read_open,
                       (struct archive *a, void *context, archive_open_callback *open,
                        archive_read_callback *read, archive_close_callback *close),
                       (a, context, open, read, close))
GOVER_ARCHIVE_FUNCTION(int, archive_read_next_header, (struct archive *a, struct archive_entry **entry),
                       (a, entry))
GOVER_ARCHIVE_FUNCTION(la_ssize_t, archive_read_data, (struct archive *a, void *buffer, size_t size),
                       (a, buffer, size))
GOVER_ARCHIVE_FUNCTION(int, archive_read_data_block,
                       (struct archive *a, const void **buffer, size_t *size, la_int64_t *offset),
                       (a, buffer, size, offset))
GOVER_ARCHIVE_FUNCTION(struct archive *, archive_write_disk_new, (void), ())
GOVER_ARCHIVE_FUNCTION(int, archive_write_disk_set_options, (struct archive *a, int flags), (a, flags))
GOVER_ARCHIVE_FUNCTION(int, archive_write_header, (struct archive *a, struct archive_entry *entry), (a, entry))
GOVER_ARCHIVE_FUNCTION(la_ssize_t, archive_write_data_block,
                       (struct archive *a, const void *buffer, size_t size, la_int64_t offset),
                       (a, buffer, size, offset))
GOVER_ARCHIVE_FUNCTION(int, archive_write_finish_entry, (struct archive *a), (a))
GOVER_ARCHIVE_FUNCTION(int, archive_write_close, (struct archive *a), (a))
GOVER_ARCHIVE_FUNCTION(int, archive_write_free, (struct archive *a), (a))
GOVER_ARCHIVE_FUNCTION(const char *, archive_error_string, (struct archive *a), (a))
GOVER_ARCHIVE_FUNCTION(int, archive_errno, (struct archive *a), (a))
GOVER_ARCHIVE_FUNCTION(const char *, archive_entry_pathname, (struct archive_entry *e), (e))
GOVER_ARCHIVE_FUNCTION(const char *, archive_entry_pathname_utf8, (struct archive_entry *e), (e))
GOVER_ARCHIVE_FUNCTION(void, archive_entry_set_pathname, (struct archive_entry *e, const char *name), (e, name))
GOVER_ARCHIVE_FUNCTION(const char *, archive_entry_hardlink, (struct archive_entry *e), (e))
GOVER_ARCHIVE_FUNCTION(void, archive_entry_set_hardlink, (struct archive_entry *e, const char *name), (e, name))
GOVER_ARCHIVE_FUNCTION(const char *, archive_entry_symlink, (struct archive_entry *e), (e))
GOVER_ARCHIVE_FUNCTION(la_int64_t, archive_entry_size, (struct archive_entry *e), (e))
GOVER_ARCHIVE_FUNCTION(__LA_MODE_T, archive_entry_filetype, (struct archive_entry *e), (e))
GOVER_ARCHIVE_FUNCTION(__LA_MODE_T, archive_entry_perm, (struct archive_entry *e), (e))
GOVER_ARCHIVE_FUNCTION(void, archive_entry_set_perm, (struct archive_entry *e, __LA_MODE_T mode), (e, mode))
GOVER_ARCHIVE_FUNCTION(time_t, archive_entry_mtime, (struct archive_entry *e), (e))
GOVER_ARCHIVE_FUNCTION(long, archive_entry_mtime_nsec, (struct archive_entry *e), (e))
GOVER_ARCHIVE_FUNCTION(int, archive_entry_mtime_is_set, (struct archive_entry *e), (e))
GOVER_ARCHIVE_FUNCTION(time_t, archive_entry_atime, (struct archive_entry *e), (e))
GOVER_ARCHIVE_FUNCTION(long, archive_entry_atime_nsec, (struct archive_entry *e), (e))
GOVER_ARCHIVE_FUNCTION(int, archive_entry_atime_is_set, (struct archive_entry *e), (e))

// Intel ISA-L's igzip inflates gzip about 2.2x faster than zlib here (DECISIONS.md,
// 2026-11-30). It is optional at run time: `libisal.so.2` is opened on first use and, when it
// is absent (the Docker runtime stage does not carry it), GzipDecoder inflates with
// libarchive's zlib filter instead. Linux only; elsewhere the zlib path is always used.
#if defined(__linux__)
#include <isa-l/igzip_lib.h>

static inline void *gover_isal_library(void) {
    static void *handle;
    void *loaded = __atomic_load_n(&handle, __ATOMIC_ACQUIRE);
    if (!loaded) {
        loaded = dlopen("libisal.so.2", RTLD_NOW | RTLD_LOCAL);
        __atomic_store_n(&handle, loaded, __ATOMIC_RELEASE);
    }
    return loaded;
}

/// NULL when libisal loaded, else dlerror()'s explanation.
static inline const char *gover_isal_load_error(void) {
    return gover_isal_library() ? NULL : dlerror();
}

#define GOVER_ISAL_FUNCTION(ret, name, params, args)                                      \
    static inline ret gover_##name params {                                               \
        static ret(*cached) params;                                                       \
        ret(*function) params = __atomic_load_n(&cached, __ATOMIC_ACQUIRE);               \
        if (!function) {                                                                  \
            function = (ret(*) params)dlsym(gover_isal_library(), #name);                 \
            __atomic_store_n(&cached, function, __ATOMIC_RELEASE);                        \
        }                                                                                 \
        return function args;                                                             \
    }

GOVER_ISAL_FUNCTION(void, isal_inflate_init, (struct inflate_state *state), (state))
GOVER_ISAL_FUNCTION(void, isal_inflate_reset, (struct inflate_state *state), (state))
GOVER_ISAL_FUNCTION(int, isal_inflate, (struct inflate_state *state), (state))
#endif

#endif
