/* SPDX-License-Identifier: MIT */
#ifndef BARCO_OCI_SPEC_JSON_H
#define BARCO_OCI_SPEC_JSON_H

/*
 * Table-driven JSON for the spec model (private to oci/).
 *
 * A C struct is described once by a table of fields (JSON key, kind, offset of the member);
 * parsing (spec_json.c) and freeing, serialising and comparing (spec_json_walk.c) all walk
 * the same tables, so a member added to a table needs no further code.  The tables
 * themselves, and the checks they name, are the runtime-spec model in spec.c.
 */

#include <stdbool.h>
#include <stddef.h>

#include <yajl/yajl_tree.h>

#include "barco/error.h"

/* Parse state: the message prefix, the error out-parameter and the JSON path being parsed. */
typedef struct spec_json_parser spec_json_parser_t;

enum spec_json_kind {
	K_STR,	/* char * */
	K_BOOL, /* bool */
	K_U16,
	K_U32,
	K_I32, /* int32_t or int */
	K_I64,
	K_U64,
	K_CHAR, /* one-letter string stored as char; letters from ->set */
	K_ENUM, /* string stored as its int index in ->set */
	K_STRV, /* NULL-terminated char ** */
	K_U32V, /* uint32_t * with a count */
	K_OBJ,	/* object whose members live at base + off (off 0: flattened into the parent) */
	K_PTR,	/* object allocated on demand, pointer at off */
	K_ARR,	/* array of objects, pointer at off, count at cnt */
	K_KV,	/* map of strings: bc_kv_t * at off, count at cnt */
	K_MAP,	/* map of objects: the key goes to sub->key_off of each element */
};

enum {
	F_REQ = 1,    /* REQUIRED by the spec */
	F_ABS = 2,    /* string must be an absolute path */
	F_ALWAYS = 4, /* serialise even when zero */
};

struct spec_json_strset {
	const char *what; /* "namespace type" -> unknown namespace type "x" */
	const char *const *names;
};

struct spec_json_type;

struct spec_json_field {
	const char *key;
	unsigned char kind, flags;
	size_t off;
	size_t has; /* offset + 1 of the presence flag, 0 when none */
	size_t cnt; /* offset of the count (K_U32V, K_ARR, K_KV, K_MAP) */
	const struct spec_json_type *sub;
	const struct spec_json_strset *set;
	/* Extra check of the stored value, run with the path at the member. */
	int (*check)(spec_json_parser_t *p, const void *value);
};

struct spec_json_type {
	size_t size;	/* element size for K_PTR, K_ARR, K_MAP */
	size_t key_off; /* K_MAP: where the map key is stored */
	const struct spec_json_field *fields;
	size_t n_fields;
	/* Cross-member checks, run with the path at the object after its members parsed. */
	int (*validate)(spec_json_parser_t *p, yajl_val obj, void *out);
};

#define PTR_AT(base, off)  ((void *)((char *)(base) + (off)))
#define CPTR_AT(base, off) ((const void *)((const char *)(base) + (off)))

/* ---------------------------------------------------------------- building tables */

#define FLD(T, key_, kind_, member, ...)                                                           \
	{                                                                                          \
		.key = key_, .kind = kind_, .off = offsetof(T, member), __VA_ARGS__                \
	}
/* A member whose object is flattened into the parent struct (root, consoleSize, ...). */
#define FLAT(key_, sub_, ...)                                                                      \
	{                                                                                          \
		.key = key_, .kind = K_OBJ, .off = 0, .sub = &sub_, __VA_ARGS__                    \
	}
#define HAS(T, member) .has = offsetof(T, member) + 1
#define CNT(T, member) .cnt = offsetof(T, member)
#define TYPE(var, T, key_member, fields_, validate_)                                               \
	static const struct spec_json_type var = {sizeof(T), key_member, fields_,                  \
						  BC_ARRAY_SIZE(fields_), validate_}
#define FLAT_TYPE(var, fields_)                                                                    \
	static const struct spec_json_type var = {0, 0, fields_, BC_ARRAY_SIZE(fields_), NULL}
#define SET(var, what_, ...)                                                                       \
	static const struct spec_json_strset var = {what_, (const char *const[]){__VA_ARGS__, NULL}}

/* ---------------------------------------------------------------- for checks */

/* Document text quoted for a one-line message: escaped and truncated (malloc'd). */
char *spec_json_show(const char *s);

/* Fail with a message about the value at the current path; returns -1. */
int spec_json_fail(spec_json_parser_t *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Fail with a message about member `key` of the object at the current path; returns -1. */
int spec_json_fail_at(spec_json_parser_t *p, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Extend the current path by ".key" or "[i]"; the result is the mark for spec_json_path_pop. */
size_t spec_json_path_key(spec_json_parser_t *p, const char *key);
size_t spec_json_path_index(spec_json_parser_t *p, size_t i);
void spec_json_path_pop(spec_json_parser_t *p, size_t mark);

/* Member `key` of a JSON object, NULL when absent. */
yajl_val spec_json_obj_get(yajl_val obj, const char *key);

/* ---------------------------------------------------------------- whole documents */

/*
 * Parse `len` bytes into `out` (zeroed, laid out as `t` describes).  Messages start with
 * `name`.  On failure `out` may hold a partial model: release it with spec_json_free().
 */
int spec_json_parse(const char *name, const struct spec_json_type *t, const char *data, size_t len,
		    void *out, bc_error_t **err);

/* Free what the members of `base` own (not `base` itself). */
void spec_json_free(const struct spec_json_type *t, void *base);

/* Indented JSON text of `base` (malloc'd), NULL with `err` set on failure. */
char *spec_json_generate(const char *name, const struct spec_json_type *t, const void *base,
			 bc_error_t **err);

bool spec_json_equal(const struct spec_json_type *t, const void *a, const void *b);

#endif
