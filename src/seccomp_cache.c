/* SPDX-License-Identifier: MIT */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <link.h>
#include <linux/filter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "barco/log.h"
#include "barco/seccomp_cache.h"
#include "barco/util.h"

#define CACHE_MAGIC "BCSECC01"
#define KEY_MAX	    (1U << 20) /* a profile's key above 1 MiB is not cached */
#define INSNS_MAX   4096

struct cache_header {
	char magic[8];
	uint32_t key_len;
	uint32_t flags;
	uint32_t notify;
	uint32_t n_insns;
	uint64_t checksum; /* FNV-1a of the key and the instructions */
};

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME  0x100000001b3ULL

static uint64_t hash_more(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= FNV_PRIME;
	}
	return h;
}

uint64_t seccomp_cache_hash(const void *data, size_t len)
{
	return hash_more(FNV_OFFSET, data, len);
}

/* ---- the build-id of the running binary (the main program's PT_NOTE) ---- */

struct build_id {
	char hex[2 * 64 + 1];
};

static int note_build_id(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct build_id *out = arg;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		const char *p, *end;

		if (ph->p_type != PT_NOTE)
			continue;
		p = (const char *)(info->dlpi_addr + ph->p_vaddr);
		end = p + ph->p_memsz;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *n = (const void *)p;
			const char *name = p + sizeof(*n);
			const unsigned char *desc =
			    (const unsigned char *)name + ((n->n_namesz + 3) & ~3U);

			if ((const char *)desc + n->n_descsz > end)
				break;
			if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 &&
			    memcmp(name, "GNU", 4) == 0 && n->n_descsz > 0 && n->n_descsz <= 64) {
				for (size_t k = 0; k < n->n_descsz; k++)
					snprintf(out->hex + 2 * k, 3, "%02x", desc[k]);
				return 1;
			}
			p = (const char *)desc + ((n->n_descsz + 3) & ~3U);
		}
	}
	/* Only the first object is the program itself. */
	return 1;
}

static const char *build_id(void)
{
	static struct build_id id;
	static bool done;

	if (!done) {
		dl_iterate_phdr(note_build_id, &id);
		done = true;
	}
	return id.hex[0] ? id.hex : NULL;
}

/* ---- the key ---- */

static void key_str(FILE *f, const char *tag, const char *s)
{
	if (s == NULL)
		fprintf(f, "%s-;", tag);
	else
		fprintf(f, "%s%zu:%s;", tag, strlen(s), s);
}

static void key_strv(FILE *f, const char *tag, char **v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	fprintf(f, "%s[%zu", tag, n);
	for (size_t i = 0; i < n; i++)
		key_str(f, ",", v[i]);
	fputs("];", f);
}

char *seccomp_cache_key(const bc_seccomp_t *s, size_t *len)
{
	const char *id = build_id();
	struct utsname u;
	char *buf = NULL;
	FILE *f;

	*len = 0;
	if (id == NULL || uname(&u) < 0)
		return NULL;
	f = open_memstream(&buf, len);
	if (f == NULL)
		return NULL;
	fprintf(f, "barco seccomp cache 1\n");
	key_str(f, "build-id", id);
	key_str(f, "libseccomp", seccomp_filter_lib_version());
	key_str(f, "kernel", u.release);
	key_str(f, "", u.version);
	key_str(f, "", u.machine);
	fputc('\n', f);
	key_str(f, "default", s->default_action);
	fprintf(f, "errno%d:%" PRIu32 ";", s->has_default_errno_ret, s->default_errno_ret);
	key_strv(f, "arches", s->architectures);
	key_strv(f, "flags", s->flags);
	/* Only whether there is a listener counts for the program, not where it is. */
	fprintf(f, "listener%d;\n", s->listener_path != NULL && *s->listener_path != '\0');
	for (size_t i = 0; i < s->n_syscalls; i++) {
		const bc_seccomp_syscall_t *sc = &s->syscalls[i];

		key_strv(f, "names", sc->names);
		key_str(f, "action", sc->action);
		fprintf(f, "errno%d:%" PRIu32 ";args%zu", sc->has_errno_ret, sc->errno_ret,
			sc->n_args);
		for (size_t a = 0; a < sc->n_args; a++) {
			const bc_seccomp_arg_t *arg = &sc->args[a];

			fprintf(f, "(%u,%" PRIu64 ",%" PRIu64, arg->index, arg->value,
				arg->value_two);
			key_str(f, ",", arg->op);
			fputc(')', f);
		}
		fputc('\n', f);
	}
	if (fclose(f) != 0 || *len > KEY_MAX) {
		free(buf);
		*len = 0;
		return NULL;
	}
	return buf;
}

/* ---- the directory and the files ---- */

static bool owned_private(const struct stat *st)
{
	return st->st_uid == geteuid() && (st->st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

/* The cache directory below rootfd, made if missing; -1 (logged) when unusable. */
static int cache_dir(int rootfd, bool create)
{
	cleanup_close int fd = -1;
	struct stat st;

	fd = openat(rootfd, SECCOMP_CACHE_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create) {
		if (mkdirat(rootfd, SECCOMP_CACHE_DIR, 0700) < 0 && errno != EEXIST) {
			bc_debug("seccomp cache: mkdir %s: %m", SECCOMP_CACHE_DIR);
			return -1;
		}
		fd = openat(rootfd, SECCOMP_CACHE_DIR,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0) {
		if (errno != ENOENT)
			bc_debug("seccomp cache: open %s: %m", SECCOMP_CACHE_DIR);
		return -1;
	}
	if (fstat(fd, &st) < 0 || !owned_private(&st)) {
		bc_debug("seccomp cache: %s is not a private directory of uid %u: not used",
			 SECCOMP_CACHE_DIR, (unsigned)geteuid());
		return -1;
	}
	return steal_fd(fd);
}

static uint64_t file_checksum(const char *key, size_t key_len, const void *insns, size_t n)
{
	return hash_more(hash_more(FNV_OFFSET, key, key_len), insns,
			 n * sizeof(struct sock_filter));
}

/* A program from the file name in dirfd, when it holds exactly this key; else NULL. */
static bc_seccomp_prog_t *cache_load(int dirfd, const char *name, const char *key, size_t key_len)
{
	cleanup_close int fd = -1;
	cleanup_free char *data = NULL;
	struct cache_header h;
	const char *insns;
	struct stat st;
	size_t len = 0;

	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)
			bc_debug("seccomp cache: open %s: %m", name);
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !owned_private(&st)) {
		bc_debug("seccomp cache: %s is not a private regular file: not used", name);
		return NULL;
	}
	if (bc_read_all(fd, sizeof(h) + KEY_MAX + INSNS_MAX * sizeof(struct sock_filter), &data,
			&len) < 0) {
		bc_debug("seccomp cache: read %s: %m", name);
		return NULL;
	}
	if (len < sizeof(h))
		return NULL;
	memcpy(&h, data, sizeof(h));
	if (memcmp(h.magic, CACHE_MAGIC, sizeof(h.magic)) != 0 || h.key_len != key_len ||
	    h.n_insns == 0 || h.n_insns > INSNS_MAX ||
	    len != sizeof(h) + key_len + (size_t)h.n_insns * sizeof(struct sock_filter) ||
	    memcmp(data + sizeof(h), key, key_len) != 0) {
		bc_debug("seccomp cache: %s holds another profile or is damaged", name);
		return NULL;
	}
	insns = data + sizeof(h) + key_len;
	if (file_checksum(key, key_len, insns, h.n_insns) != h.checksum) {
		bc_debug("seccomp cache: %s: checksum mismatch", name);
		return NULL;
	}
	return seccomp_filter_prog_new(insns, h.n_insns, h.flags, h.notify != 0);
}

static void cache_store(int dirfd, const char *name, const char *key, size_t key_len,
			const bc_seccomp_prog_t *p)
{
	size_t n = seccomp_filter_instructions(p);
	const void *insns = seccomp_filter_insns(p);
	size_t len = sizeof(struct cache_header) + key_len + n * sizeof(struct sock_filter);
	cleanup_free char *data = bc_xmalloc(len);
	struct cache_header h = {
	    .key_len = (uint32_t)key_len,
	    .flags = seccomp_filter_flags(p),
	    .notify = seccomp_filter_uses_notify(p),
	    .n_insns = (uint32_t)n,
	    .checksum = file_checksum(key, key_len, insns, n),
	};
	bc_error_t *err = NULL;

	memcpy(h.magic, CACHE_MAGIC, sizeof(h.magic));
	memcpy(data, &h, sizeof(h));
	memcpy(data + sizeof(h), key, key_len);
	memcpy(data + sizeof(h) + key_len, insns, n * sizeof(struct sock_filter));
	if (bc_write_file_atomic_at(dirfd, name, data, len, 0600, &err) < 0) {
		bc_debug("seccomp cache: %s", err->msg);
		bc_error_free(err);
	}
}

static void cache_name(char name[32], const char *key, size_t key_len)
{
	snprintf(name, 32, "%016" PRIx64, seccomp_cache_hash(key, key_len));
}

bc_seccomp_prog_t *seccomp_cache_lookup(const bc_seccomp_t *s, int rootfd)
{
	cleanup_close int dirfd = -1;
	cleanup_free char *key = NULL;
	char name[32];
	size_t key_len = 0;

	key = rootfd >= 0 ? seccomp_cache_key(s, &key_len) : NULL;
	if (key == NULL)
		return NULL;
	dirfd = cache_dir(rootfd, false);
	if (dirfd < 0)
		return NULL;
	cache_name(name, key, key_len);
	return cache_load(dirfd, name, key, key_len);
}

int seccomp_cache_compile(const bc_seccomp_t *s, int rootfd, bc_seccomp_prog_t **out,
			  bc_error_t **err)
{
	cleanup_close int dirfd = -1;
	cleanup_free char *key = NULL;
	char name[32];
	size_t key_len = 0;

	if (rootfd >= 0)
		key = seccomp_cache_key(s, &key_len);
	if (key == NULL)
		return seccomp_filter_compile(s, out, err);
	cache_name(name, key, key_len);
	dirfd = cache_dir(rootfd, true);
	if (dirfd >= 0) {
		*out = cache_load(dirfd, name, key, key_len);
		if (*out != NULL) {
			bc_debug("seccomp: %zu BPF instructions from the cache (%s)",
				 seccomp_filter_instructions(*out), name);
			return 0;
		}
	}
	if (seccomp_filter_compile(s, out, err) < 0)
		return -1;
	if (dirfd >= 0)
		cache_store(dirfd, name, key, key_len, *out);
	return 0;
}
