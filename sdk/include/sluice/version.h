/*
 * Sluice plugin ABI version.
 *
 * The ABI major changes only when an existing struct layout or function
 * signature changes; the host refuses a plugin of another major. The minor
 * grows when fields are appended to a struct or entries to the host table;
 * a plugin built against an older minor keeps loading in every newer host of
 * the same major. A plugin that needs a newer minor than the host provides is
 * refused with a message naming both versions.
 */
#ifndef SLUICE_VERSION_H
#define SLUICE_VERSION_H

#define SLUICE_ABI_MAJOR 1
#define SLUICE_ABI_MINOR 3

/** True when the ABI version (maj, min) is at least (a, b). */
#define SLUICE_VERSION_GE(maj, min, a, b) ((maj) > (a) || ((maj) == (a) && (min) >= (b)))

#endif /* SLUICE_VERSION_H */
