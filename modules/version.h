#ifndef CLINIC_VERSION_H
#define CLINIC_VERSION_H
#define CLINIC_VERSION "0.1.0"
#endif
