// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>

#include "parse/name.h"

int mw_name_normalise(const char *in, size_t len, char *out)
{
	size_t i, label = 0;
	bool digits_only = true;

	if (len && in[len - 1] == '.')
		len--;
	if (len == 0 || len >= MW_NAME_MAX)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		char ch = (char)tolower((unsigned char)in[i]);

		if (ch == '.') {
			if (label == 0 || in[i - 1] == '-')
				return -EINVAL;
			label = 0;
			digits_only = true;
		} else if (isalnum((unsigned char)ch) || ch == '-' || ch == '_') {
			if ((label == 0 && ch == '-') || ++label > 63)
				return -EINVAL;
			if (!isdigit((unsigned char)ch))
				digits_only = false;
		} else {
			return -EINVAL;
		}
		out[i] = ch;
	}
	out[len] = '\0';
	/* a top-level label of digits is an address gone wrong, not a name */
	if (digits_only || out[len - 1] == '-')
		return -EINVAL;
	return 0;
}
