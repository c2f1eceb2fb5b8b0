/*
 * SPDX-License-Identifier: Apache-2.0
 * lang.h: the languages the API speaks (English, Arabic) and the choice
 * between them from an Accept-Language header (RFC 9110, 12.5.4); pure.
 */
#ifndef CLINIC_LANG_H
#define CLINIC_LANG_H

typedef enum {
    CLINIC_LANG_EN = 0,
    CLINIC_LANG_AR,
    CLINIC_LANG_COUNT
} clinic_lang_t;

/* "en" or "ar" (a language out of range is "en") */
const char *clinic_lang_tag(clinic_lang_t lang);

/* Exactly "en" or "ar" (as the send-otp field and the directives take
 * them): 1 and *out set, else 0. */
int clinic_lang_from_tag(const char *tag, clinic_lang_t *out);

/*
 * The language to answer in for an Accept-Language value; dflt when the
 * value is NULL, empty, malformed throughout, or names neither language.
 *
 * - Each element is a language range (1*8ALPHA *("-" 1*8alphanum), or
 *   "*"), case-insensitive, with an optional weight ";q=" (0 to 1, three
 *   decimals at most); an element that is not of that form is skipped.
 * - A range counts for the language of its primary subtag: "ar-KW" is
 *   Arabic, "en-US" English.  A language's weight is that of its bare
 *   range ("ar") when there is one, else the highest of its regional
 *   ones; "*" gives its weight to a language not named otherwise.
 * - q=0 excludes.  The language of highest weight wins; on a tie, the
 *   one named first, and dflt when neither is named (only "*").
 */
clinic_lang_t clinic_lang_negotiate(const char *accept_language,
                                    clinic_lang_t dflt);

#endif
