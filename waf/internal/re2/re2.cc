//go:build cgo

// A C interface to the parts of RE2 that package re2 uses. RE2 objects are immutable
// after construction and their matching methods are safe for concurrent use.

#include <re2/re2.h>

#include <cstring>

#include "re2.h"

extern "C" {

void *sw_re2_new(const char *pattern, size_t len, int64_t max_mem, char *err, size_t errlen) {
	RE2::Options opts;
	opts.set_log_errors(false);
	opts.set_max_mem(max_mem);
	RE2 *re = new RE2(re2::StringPiece(pattern, len), opts);
	if (!re->ok()) {
		if (errlen > 0) {
			std::strncpy(err, re->error().c_str(), errlen - 1);
			err[errlen - 1] = '\0';
		}
		delete re;
		return nullptr;
	}
	return re;
}

void sw_re2_delete(void *re) { delete static_cast<RE2 *>(re); }

int sw_re2_groups(void *re) { return static_cast<RE2 *>(re)->NumberOfCapturingGroups(); }

int sw_re2_program_size(void *re) { return static_cast<RE2 *>(re)->ProgramSize(); }

int sw_re2_match(void *re, const char *text, size_t len) {
	return static_cast<RE2 *>(re)->Match(re2::StringPiece(text, len), 0, len, RE2::UNANCHORED, nullptr, 0);
}

int sw_re2_match_index(void *re, const char *text, size_t len, int32_t *idx, int n) {
	re2::StringPiece sub[SW_RE2_MAX_SUBMATCH];
	if (n > SW_RE2_MAX_SUBMATCH) {
		n = SW_RE2_MAX_SUBMATCH;
	}
	if (!static_cast<RE2 *>(re)->Match(re2::StringPiece(text, len), 0, len, RE2::UNANCHORED, sub, n)) {
		return 0;
	}
	for (int i = 0; i < n; i++) {
		if (sub[i].data() == nullptr) {
			idx[2 * i] = -1;
			idx[2 * i + 1] = -1;
		} else {
			idx[2 * i] = static_cast<int32_t>(sub[i].data() - text);
			idx[2 * i + 1] = static_cast<int32_t>(sub[i].data() - text + sub[i].size());
		}
	}
	return 1;
}

}  // extern "C"
