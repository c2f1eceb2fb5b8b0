/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CLINIC_VERSION_H
#define CLINIC_VERSION_H
#define CLINIC_VERSION "0.2.0"
#endif
