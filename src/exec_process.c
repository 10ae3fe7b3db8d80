/* SPDX-License-Identifier: MIT */
/* `barco exec`: the process to run, as runc's getProcess builds it (exec.h). */
#include <stdlib.h>
#include <string.h>

#include "barco/caps.h"
#include "barco/exec.h"
#include "barco/util.h"

static int exec_read_process(const char *path, bc_process_t **out, bc_error_t **err)
{
	cleanup_free char *data = NULL;
	size_t len = 0;

	if (bc_read_file(path, BC_SPEC_MAX_SIZE + 1, &data, &len, err) < 0)
		return bc_error_wrap(err, "exec --process");
	if (bc_process_parse(data, len, out, err) < 0)
		return bc_error_wrap(err, "exec --process %s", path);
	return 0;
}

/* KEY=VALUE replaces KEY where the list has it, else is added. */
static void exec_env_set(char ***env, const char *kv)
{
	size_t klen = strcspn(kv, "=") + 1, n = bc_strv_len(*env);

	for (size_t i = 0; i < n; i++) {
		if (strncmp((*env)[i], kv, klen) == 0) {
			free((*env)[i]);
			(*env)[i] = bc_xstrdup(kv);
			return;
		}
	}
	*env = bc_xrealloc(*env, (n + 2) * sizeof(char *));
	(*env)[n] = bc_xstrdup(kv);
	(*env)[n + 1] = NULL;
}

static bool exec_strv_has(char *const *v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

static void exec_strv_add(char ***v, const char *s)
{
	size_t n = bc_strv_len(*v);

	if (exec_strv_has(*v, s))
		return;
	*v = bc_xrealloc(*v, (n + 2) * sizeof(char *));
	(*v)[n] = bc_xstrdup(s);
	(*v)[n + 1] = NULL;
}

/* -c: into the bounding, effective and permitted sets; into ambient only where the config
 * makes it inheritable (the kernel raises no other, and runc gives no inheritable: see
 * CVE-2022-29162).  A config without capabilities keeps them all already. */
static int exec_add_caps(bc_process_t *p, char *const *caps, bc_error_t **err)
{
	bc_capabilities_t *c = p->capabilities;

	for (size_t i = 0; caps && caps[i]; i++) {
		char *one[2] = {caps[i], NULL};
		cleanup_error bc_error_t *e = NULL;
		uint64_t mask;

		if (caps_mask_of(one, "cap", &mask, &e) < 0) {
			const char *why = strstr(e->msg, "unknown capability");

			return bc_error_set(err, 0, "exec: --cap: %s", why ? why : e->msg);
		}
		if (c == NULL)
			continue;
		exec_strv_add(&c->bounding, caps[i]);
		exec_strv_add(&c->effective, caps[i]);
		exec_strv_add(&c->permitted, caps[i]);
		if (exec_strv_has(c->inheritable, caps[i]))
			exec_strv_add(&c->ambient, caps[i]);
	}
	return 0;
}

static int exec_apply_flags(const bc_exec_opts_t *o, bc_process_t *p, bc_error_t **err)
{
	if (o->args == NULL || o->args[0] == NULL)
		return bc_error_set(err, 0, "exec: process args cannot be empty");
	bc_strv_free(p->args);
	p->args = bc_strv_dup(o->args);
	if (o->cwd) {
		if (o->cwd[0] != '/')
			return bc_error_set(err, 0, "exec: --cwd %s: not an absolute path", o->cwd);
		free(p->cwd);
		p->cwd = bc_xstrdup(o->cwd);
	}
	if (o->apparmor) {
		free(p->apparmor_profile);
		p->apparmor_profile = bc_xstrdup(o->apparmor);
	}
	if (o->process_label) {
		free(p->selinux_label);
		p->selinux_label = bc_xstrdup(o->process_label);
	}
	if (exec_add_caps(p, o->caps, err) < 0)
		return -1;
	for (size_t i = 0; o->env && o->env[i]; i++) {
		if (o->env[i][0] == '=' || strchr(o->env[i], '=') == NULL)
			return bc_error_set(err, 0, "exec: --env \"%s\": not KEY=VALUE", o->env[i]);
		exec_env_set(&p->env, o->env[i]);
	}
	/* runc: a terminal only when asked for, whatever the config says. */
	p->terminal = o->tty;
	if (o->no_new_privs)
		p->no_new_privileges = true;
	if (o->has_user) {
		p->user.uid = o->uid;
		if (o->has_gid)
			p->user.gid = o->gid;
	}
	if (o->n_additional_gids > 0) {
		bc_user_t *u = &p->user;

		u->additional_gids =
		    bc_xrealloc(u->additional_gids,
				(u->n_additional_gids + o->n_additional_gids) * sizeof(uint32_t));
		memcpy(u->additional_gids + u->n_additional_gids, o->additional_gids,
		       o->n_additional_gids * sizeof(uint32_t));
		u->n_additional_gids += o->n_additional_gids;
	}
	return 0;
}

int exec_build_process(const bc_exec_opts_t *o, bc_process_t *base, bc_process_t **out,
		       bc_error_t **err)
{
	*out = NULL;
	if (o->process_path) {
		bc_process_free(base);
		return exec_read_process(o->process_path, out, err);
	}
	if (base == NULL)
		return bc_error_set(err, 0,
				    "exec: the container's config has no process to start "
				    "from: give --process FILE");
	if (exec_apply_flags(o, base, err) < 0) {
		bc_process_free(base);
		return -1;
	}
	*out = base;
	return 0;
}
