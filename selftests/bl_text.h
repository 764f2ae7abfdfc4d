/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bl_text.h - a blacklist list loaded from text written in the test, as
 * the file t.list, with the complaints it draws.
 */
#ifndef MW_BL_TEXT_H
#define MW_BL_TEXT_H

#include <stdio.h>
#include <string.h>

#include "detect/blacklist.h"

/* Loads @text as list @name into @bl; *@ret is mw_bl_load()'s answer.
 * Returns what it wrote to its error stream (free it). */
static inline char *load_text(struct mw_blacklist *bl, const char *name, const char *text, int *ret)
{
	char *errs = NULL;
	size_t len = 0;
	FILE *err = open_memstream(&errs, &len);

	*ret = mw_bl_load(bl, &(struct mw_bl_source){ .name = name, .path = "t.list" }, text,
			  strlen(text), err);
	fclose(err);
	return errs;
}

#endif
