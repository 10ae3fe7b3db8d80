/* SPDX-License-Identifier: MIT */
/*
 * `barco features`: the runtime-spec Features structure (features.md, features-linux.md).
 *
 * Every list is read from the table the code that takes config.json consults (mount options,
 * capabilities, seccomp names, memory policies), so the output cannot claim a name that
 * create refuses nor miss one it takes; "tmpcopyup", taken with a warning but not yet
 * implemented, is left out of the mount options.  Two lists depend on more than the source: the
 * seccomp architectures are those the linked libseccomp can put in a filter of this build
 * (it knows them, and they have the native byte order: a filter for x86_64 cannot hold
 * s390x, and create fails on such a name), and supportedFlags are the filter flags the
 * running kernel takes, probed as runc does.  Nothing here needs root or a bundle.
 *
 * containerd reads this: it enables user namespaces when "user" is listed with
 * mountExtensions.idmap enabled, and recursive read-only mounts when "rro" is listed.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "barco/caps.h"
#include "barco/procattr.h"
#include "barco/rootfs.h"
#include "barco/seccomp_filter.h"
#include "barco/spec.h"
#include "barco/state_json.h"
#include "barco/util.h"
#include "cli.h"
#include "config.h"

#define FEATURES_OCI_VERSION_MIN "1.0.0"

/* The names of linux.memoryPolicy (config-linux.md), in the spec's order; listed when the
 * code applying the policy knows them. */
static const char *const mpol_mode_names[] = {
    "MPOL_DEFAULT",   "MPOL_BIND",	     "MPOL_INTERLEAVE", "MPOL_WEIGHTED_INTERLEAVE",
    "MPOL_PREFERRED", "MPOL_PREFERRED_MANY", "MPOL_LOCAL",
};
static const char *const mpol_flag_names[] = {
    "MPOL_F_NUMA_BALANCING",
    "MPOL_F_RELATIVE_NODES",
    "MPOL_F_STATIC_NODES",
};

/* ---- a small pretty-printing JSON writer (2-space indent, as in the spec's examples) ---- */

struct jw {
	FILE *f;
	int depth;
	bool first; /* nothing written yet in the innermost object or array */
};

static void jw_quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void jw_indent(struct jw *w)
{
	fputc('\n', w->f);
	for (int i = 0; i < w->depth; i++)
		fputs("  ", w->f);
}

/* The separator and key before a value; key NULL inside an array. */
static void jw_next(struct jw *w, const char *key)
{
	if (w->depth > 0) {
		if (!w->first)
			fputc(',', w->f);
		jw_indent(w);
	}
	w->first = false;
	if (key) {
		jw_quoted(w->f, key);
		fputs(": ", w->f);
	}
}

static void jw_open(struct jw *w, const char *key, char c)
{
	jw_next(w, key);
	fputc(c, w->f);
	w->depth++;
	w->first = true;
}

static void jw_close(struct jw *w, char c)
{
	w->depth--;
	if (!w->first)
		jw_indent(w);
	fputc(c, w->f);
	w->first = false;
}

static void jw_str(struct jw *w, const char *key, const char *value)
{
	jw_next(w, key);
	jw_quoted(w->f, value);
}

static void jw_bool(struct jw *w, const char *key, bool value)
{
	jw_next(w, key);
	fputs(value ? "true" : "false", w->f);
}

/* {"enabled": value} */
static void jw_enabled(struct jw *w, const char *key, bool value)
{
	jw_open(w, key, '{');
	jw_bool(w, "enabled", value);
	jw_close(w, '}');
}

/* ---- lists of names ---- */

typedef struct names {
	char **v; /* NULL-terminated once something was added */
	size_t n;
} names_t;

static void names_add(names_t *l, const char *s)
{
	l->v = bc_xrealloc(l->v, (l->n + 2) * sizeof(*l->v));
	l->v[l->n++] = bc_xstrdup(s);
	l->v[l->n] = NULL;
}

/* Every name at(0), at(1), ... until NULL, that keep() accepts (keep NULL: all). */
static void names_from(names_t *l, const char *(*at)(size_t), bool (*keep)(const char *))
{
	const char *s;

	for (size_t i = 0; (s = at(i)) != NULL; i++)
		if (keep == NULL || keep(s))
			names_add(l, s);
}

static int names_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Write the list as an array (sorted if asked, as runc sorts most of its lists) and free
 * it. */
static void jw_names(struct jw *w, const char *key, names_t *l, bool sort)
{
	if (sort && l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), names_cmp);
	jw_open(w, key, '[');
	for (size_t i = 0; i < l->n; i++)
		jw_str(w, NULL, l->v[i]);
	jw_close(w, ']');
	bc_strv_free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* ---- the sections ---- */

static void features_top(struct jw *w)
{
	names_t l = {0};

	jw_str(w, "ociVersionMin", FEATURES_OCI_VERSION_MIN);
	jw_str(w, "ociVersionMax", BC_OCI_VERSION);
	for (int k = 0; k < BC_HOOK_KIND_COUNT; k++)
		names_add(&l, bc_hook_kind_name((enum bc_hook_kind)k));
	jw_names(w, "hooks", &l, false);
	names_from(&l, mounts_option_name, NULL);
	jw_names(w, "mountOptions", &l, true);
}

static void features_seccomp(struct jw *w)
{
	names_t l = {0};

	jw_open(w, "seccomp", '{');
	jw_bool(w, "enabled", true);
	names_from(&l, seccomp_filter_action_name, NULL);
	jw_names(w, "actions", &l, true);
	names_from(&l, seccomp_filter_operator_name, NULL);
	jw_names(w, "operators", &l, true);
	names_from(&l, seccomp_filter_spec_arch_name, seccomp_filter_arch_usable);
	jw_names(w, "archs", &l, true);
	names_from(&l, seccomp_filter_flag_name, NULL);
	jw_names(w, "knownFlags", &l, false);
	names_from(&l, seccomp_filter_flag_name, seccomp_filter_flag_supported);
	jw_names(w, "supportedFlags", &l, false);
	jw_close(w, '}');
}

static void features_memory_policy(struct jw *w)
{
	names_t l = {0};

	jw_open(w, "memoryPolicy", '{');
	for (size_t i = 0; i < BC_ARRAY_SIZE(mpol_mode_names); i++)
		if (procattr_mpol_mode(mpol_mode_names[i]) >= 0)
			names_add(&l, mpol_mode_names[i]);
	jw_names(w, "modes", &l, false);
	for (size_t i = 0; i < BC_ARRAY_SIZE(mpol_flag_names); i++)
		if (procattr_mpol_flag(mpol_flag_names[i]) >= 0)
			names_add(&l, mpol_flag_names[i]);
	jw_names(w, "flags", &l, false);
	jw_close(w, '}');
}

static void features_linux(struct jw *w)
{
	names_t l = {0};
	char name[64];

	jw_open(w, "linux", '{');
	for (int t = 0; t < BC_NS_TYPE_COUNT; t++)
		names_add(&l, bc_ns_type_name((enum bc_ns_type)t));
	jw_names(w, "namespaces", &l, true);
	/* In the kernel's order, as runc lists them. */
	for (int v = 0; v < 64; v++)
		if (caps_known_name(v, name, sizeof(name)))
			names_add(&l, name);
	jw_names(w, "capabilities", &l, false);

	jw_open(w, "cgroup", '{');
	jw_bool(w, "v1", true);
	jw_bool(w, "v2", true);
	jw_bool(w, "systemd", false); /* --systemd-cgroup is refused */
	jw_bool(w, "systemdUser", false);
	jw_bool(w, "rdma", true);
	jw_close(w, '}');

	features_seccomp(w);
	/* What barco implements, whatever the host has enabled (lsm.h). */
	jw_enabled(w, "apparmor", true);
	jw_enabled(w, "selinux", true);
	features_memory_policy(w);

	jw_open(w, "intelRdt", '{');
	jw_bool(w, "enabled", true);
	jw_bool(w, "schemata", true);
	jw_bool(w, "monitoring", true);
	jw_close(w, '}');

	jw_open(w, "mountExtensions", '{');
	jw_enabled(w, "idmap", true);
	jw_close(w, '}');
	jw_enabled(w, "netDevices", true);
	jw_close(w, '}');
}

static void features_annotations(struct jw *w)
{
	names_t l = {0};

	jw_open(w, "annotations", '{');
	jw_str(w, "io.github.seccomp.libseccomp.version", seccomp_filter_lib_version());
	jw_str(w, "run.oci.barco.version", PACKAGE_VERSION);
	jw_close(w, '}');
	/* barco acts on no annotation of config.json. */
	jw_names(w, "potentiallyUnsafeConfigAnnotations", &l, false);
}

int cmd_features(const bc_global_opts_t *g, int argc, char **argv, bc_error_t **err)
{
	struct jw w = {.f = stdout};

	/* No options and no arguments (--help is handled by main). */
	if (argc > 1)
		return cli_usage_error("features", err, "unexpected %s \"%s\"",
				       argv[1][0] == '-' && argv[1][1] ? "option" : "argument",
				       argv[1]);

	jw_open(&w, NULL, '{');
	features_top(&w);
	features_linux(&w);
	features_annotations(&w);
	jw_close(&w, '}');
	fputc('\n', w.f);
	if (fflush(w.f) != 0 || ferror(w.f))
		return bc_error_errno(err, "features: write to standard output");
	return 0;
}
