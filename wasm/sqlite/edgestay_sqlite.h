/*
** The engine's helpers built from SQLite's internals (sqlite3_wasm.c, which says how and
** why each works), declared once for that C file and for the C++ core (sqlite_db.h).
*/
#ifndef EDGESTAY_SQLITE_H
#define EDGESTAY_SQLITE_H

#include "sqlite3.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Pages [first, first + n) of a database copied into out, n times its page size bytes. */
int edgestay_copy_pages(sqlite3 *db, const char *zSchema, unsigned int first, unsigned int n,
                        unsigned char *out);

/* Large sorts of the connection in runs of at most run_kib KiB, spilled to temporary
** files, until edgestay_sorts_in_memory(db, what it returned). */
int edgestay_sorts_in_runs(sqlite3 *db, int run_kib);
void edgestay_sorts_in_memory(sqlite3 *db, int saved);

/* The b-trees that rows of zTable written in ascending key order append to: its own and
** the indexes led by its key; up to nMax root pages into aRoot, how many (0: none; the
** table's key descends, or no such table). */
int edgestay_append_btrees(sqlite3 *db, const char *zTable, int *aRoot, int nMax);

/* What a row of its table takes in index zIndex, estimated: the mean bytes of the cells of
** the entries of the table's first nRows rows; 0 when it cannot tell. */
double edgestay_index_row_bytes(sqlite3 *db, const char *zIndex, int nRows);

/* Whether a write statement fills the b-trees rooted at aRoot[0..nRoot) as a bulk load
** (pages kept full: for entries that arrive in order) or as usual; before every step. */
void edgestay_bulk_appends(sqlite3_stmt *pStmt, const int *aRoot, int nRoot, int on);

/* A bulk load's rows in key order written straight into a table's b-trees, as the
** INSERT would store them: open refuses (0) a table it cannot write so, append declines
** (EDGESTAY_DECLINED, nothing written) a row it cannot judge. Closed before any schema
** change and before the transaction ends. A row is one cell per column, in order. */
typedef struct EdgestayCell {
  sqlite3_int64 i;  /* EDGESTAY_CELL_INT */
  const char *z;    /* EDGESTAY_CELL_TEXT: n bytes of UTF-8 */
  int n;
  int kind;         /* EDGESTAY_CELL_* */
} EdgestayCell;
#define EDGESTAY_CELL_NULL 0
#define EDGESTAY_CELL_INT 1
#define EDGESTAY_CELL_TEXT 2
#define EDGESTAY_DECLINED 1000

typedef struct EdgestayAppender EdgestayAppender;
EdgestayAppender *edgestay_appender_open(sqlite3 *db, const char *zTable);
int edgestay_appender_append(EdgestayAppender *p, const EdgestayCell *a);
void edgestay_appender_close(EdgestayAppender *p);

/* An index built from the engine's own sort (index_sort.cc): its key's table columns
** (-1: not an index that sort may build); every row of a rowid table as cells (the
** columns of mColumns' bits); the CREATE INDEX statement run with an empty b-tree
** (EDGESTAY_DECLINED: not run); the index's entries appended in its order by an appender of its b-tree (open:
** EDGESTAY_DECLINED when the b-tree is not empty; closed by edgestay_appender_close). */
int edgestay_index_key_columns(sqlite3 *db, const char *zIndex, int *aiCol, int nMax);
int edgestay_table_scan(sqlite3 *db, const char *zTable, sqlite3_uint64 mColumns,
                        int (*xRow)(void *pArg, const EdgestayCell *a, sqlite3_int64 rowid), void *pArg);
int edgestay_index_create_empty(sqlite3 *db, const char *zSql);
int edgestay_index_fill_open(sqlite3 *db, const char *zIndex, EdgestayAppender **pp);
int edgestay_index_fill_append(EdgestayAppender *p, const EdgestayCell *a, int nField);

#ifdef __cplusplus
}
#endif

#endif /* EDGESTAY_SQLITE_H */
