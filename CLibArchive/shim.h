#ifndef GOVER_CLIBARCHIVE_SHIM_H
#define GOVER_CLIBARCHIVE_SHIM_H

#include <archive.h>
#include <archive_entry.h>

#endif
