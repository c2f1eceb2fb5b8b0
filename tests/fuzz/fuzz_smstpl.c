/*
 * SPDX-License-Identifier: Apache-2.0
 * fuzz_smstpl.c: SMS templates and the escapes of the gateway body.  The
 * input is split at NUL bytes into template, to, message and code.  A
 * JSON-escaped value placed in a JSON string parses back to the value; a
 * form-escaped value holds only unreserved characters and %XX.
 */
#include <cjson/cJSON.h>
#include <apr_strings.h>
#include "fuzz_common.h"
#include "smstpl.h"
#include "validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *part[4] = { "", NULL, NULL, NULL }, *esc, *s;
    char *buf = fuzz_text(p, data, size);
    size_t i, k = 1;
    int e;

    part[0] = buf;
    for (i = 0; i < size && k < 4; i++) {
        if (!buf[i]) {
            part[k++] = buf + i + 1;
        }
    }
    for (e = CLINIC_ESC_NONE; e <= CLINIC_ESC_FORM; e++) {
        CHECK(clinic_tpl_render(p, part[0], (clinic_escape_t)e, part[1],
                                part[2], part[3]) != NULL);
    }
    clinic_tpl_escape_for(part[0]);

    esc = clinic_tpl_escape(p, part[0], CLINIC_ESC_FORM);
    for (s = esc; *s; s++) {
        CHECK((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')
              || (*s >= '0' && *s <= '9') || strchr("-._~%", *s));
    }
    if (clinic_utf8_valid(part[0], strlen(part[0]), NULL)) {
        char *doc = apr_pstrcat(p, "{\"v\":\"",
                                clinic_tpl_escape(p, part[0], CLINIC_ESC_JSON),
                                "\"}", NULL);
        cJSON *j = cJSON_Parse(doc);
        CHECK(j != NULL);
        CHECK(!strcmp(cJSON_GetObjectItem(j, "v")->valuestring, part[0]));
        cJSON_Delete(j);
    }
    apr_pool_destroy(p);
    return 0;
}
