/*
** The SQLite of both builds: the amalgamation, plus the few helpers the engine needs from
** SQLite's internals (edgestay_copy_pages and the load's, at the end). The wasm module
** compiles it without features the engine never uses (CMakeLists.txt:
** EDGESTAY_SQLITE_WASM_OMITS), for size; what follows up to the helpers only applies there.
**
** The amalgamation's parser is generated with every feature in, so its grammar actions
** still call the entry points of the SQLITE_OMIT_ANALYZE / _REINDEX / _VIRTUALTABLE
** (and the ALTER TABLE it implies) / _TRIGGER / _VIEW features; SQLite's canonical sources
** would regenerate the parser without those rules. Here they are stubs that fail the
** statement ("... is not available in this build") and free what the grammar handed
** them, so such a statement is an error, as it is for a parser built without the rule.
**
** Also here: the default VFS of SQLITE_OS_OTHER (no os_unix.c, at the end) and the
** formatting of CURRENT_TIMESTAMP and its kin without libc's gmtime/strftime.
*/
#ifdef SQLITE_OMIT_TRIGGER
/* sqlite3.c declares the trigger entry points only with triggers in; the parser calls
** them either way, so declare the stubs below before it does. */
typedef struct Parse Parse;
typedef struct Token Token;
typedef struct IdList IdList;
typedef struct SrcList SrcList;
typedef struct Expr Expr;
typedef struct ExprList ExprList;
typedef struct Select Select;
typedef struct Upsert Upsert;
typedef struct TriggerStep TriggerStep;
typedef struct sqlite3 sqlite3;
static void sqlite3BeginTrigger(Parse*, Token*, Token*, int, int, IdList*, SrcList*, Expr*, int, int);
static void sqlite3FinishTrigger(Parse*, TriggerStep*, Token*);
static void sqlite3DropTrigger(Parse*, SrcList*, int);
static void sqlite3DeleteTriggerStep(sqlite3*, TriggerStep*);
static TriggerStep *sqlite3TriggerSelectStep(sqlite3*, Select*, const char*, const char*);
static TriggerStep *sqlite3TriggerInsertStep(Parse*, Token*, IdList*, Select*, unsigned char, Upsert*,
                                             const char*, const char*);
static TriggerStep *sqlite3TriggerUpdateStep(Parse*, Token*, SrcList*, ExprList*, Expr*, unsigned char,
                                             const char*, const char*);
static TriggerStep *sqlite3TriggerDeleteStep(Parse*, Token*, Expr*, const char*, const char*);
#endif

#if SQLITE_OS_OTHER && defined(SQLITE_OMIT_DATETIME_FUNCS)
/* Without the date functions, SQLite's CURRENT_TIMESTAMP / CURRENT_DATE / CURRENT_TIME
** format the statement time with libc's gmtime() and strftime(), which Emscripten
** implements in the JS glue (+6 KB of it, with time-zone code). The three formats are
** all they ever get, so these two replace them here (UTC, years 0000-9999). */
#include <time.h>
static struct tm *edgestayGmtime(const time_t *pT){
  static struct tm tm;
  long long t = (long long)*pT;
  long long days = t/86400, secs = t%86400;
  long long era, doe, yoe, doy, mp, y;
  if( secs<0 ){ secs += 86400; days--; }
  /* civil_from_days (H. Hinnant): the proleptic Gregorian date of a day number */
  days += 719468;
  era = (days>=0 ? days : days-146096)/146097;
  doe = days - era*146097;
  yoe = (doe - doe/1460 + doe/36524 - doe/146096)/365;
  y = yoe + era*400;
  doy = doe - (365*yoe + yoe/4 - yoe/100);
  mp = (5*doy + 2)/153;
  memset(&tm, 0, sizeof(tm));
  tm.tm_mday = (int)(doy - (153*mp + 2)/5 + 1);
  tm.tm_mon = (int)(mp<10 ? mp+2 : mp-10);
  tm.tm_year = (int)(y + (tm.tm_mon<=1) - 1900);
  tm.tm_hour = (int)(secs/3600);
  tm.tm_min = (int)(secs/60%60);
  tm.tm_sec = (int)(secs%60);
  return &tm;
}
static size_t edgestayStrftime(char *zBuf, size_t n, const char *zFormat, const struct tm *pTm){
  size_t i = 0;
  for(; *zFormat && i+1<n; zFormat++){
    int v, w = 2;
    if( zFormat[0]!='%' || zFormat[1]==0 ){ zBuf[i++] = *zFormat; continue; }
    switch( *++zFormat ){
      case 'Y': v = pTm->tm_year + 1900; w = 4; break;
      case 'm': v = pTm->tm_mon + 1; break;
      case 'd': v = pTm->tm_mday; break;
      case 'H': v = pTm->tm_hour; break;
      case 'M': v = pTm->tm_min; break;
      case 'S': v = pTm->tm_sec; break;
      default: zBuf[i++] = *zFormat; continue;
    }
    if( i+w+1>n ) break;
    for(int k = w-1; k>=0; k--){ zBuf[i+k] = (char)('0' + v%10); v /= 10; }
    i += w;
  }
  zBuf[i] = 0;
  return i;
}
#define gmtime edgestayGmtime
#define strftime edgestayStrftime
#endif

#include "sqlite3.c"
#include "edgestay_sqlite.h"

static void edgestayNotAvailable(Parse *pParse, const char *zWhat){
  sqlite3ErrorMsg(pParse, "%s is not available in this build", zWhat);
}

#ifdef SQLITE_OMIT_ANALYZE
static void sqlite3Analyze(Parse *pParse, Token *pName1, Token *pName2){
  (void)pName1; (void)pName2;
  edgestayNotAvailable(pParse, "ANALYZE");
}
#endif

#ifdef SQLITE_OMIT_REINDEX
static void sqlite3Reindex(Parse *pParse, Token *pName1, Token *pName2){
  (void)pName1; (void)pName2;
  edgestayNotAvailable(pParse, "REINDEX");
}
#endif

#ifdef SQLITE_OMIT_VIRTUALTABLE
static void sqlite3VtabBeginParse(Parse *pParse, Token *pName1, Token *pName2, Token *pModuleName, int ifNotExists){
  (void)pName1; (void)pName2; (void)pModuleName; (void)ifNotExists;
  edgestayNotAvailable(pParse, "CREATE VIRTUAL TABLE");
}
static void sqlite3VtabFinishParse(Parse *pParse, Token *pEnd){ (void)pParse; (void)pEnd; }
static void sqlite3VtabArgInit(Parse *pParse){ (void)pParse; }
static void sqlite3VtabArgExtend(Parse *pParse, Token *p){ (void)pParse; (void)p; }
#endif

#ifdef SQLITE_OMIT_VIEW
static void sqlite3CreateView(Parse *pParse, Token *pBegin, Token *pName1, Token *pName2, ExprList *pCNames,
                              Select *pSelect, int isTemp, int noErr){
  (void)pBegin; (void)pName1; (void)pName2; (void)isTemp; (void)noErr;
  sqlite3ExprListDelete(pParse->db, pCNames);
  sqlite3SelectDelete(pParse->db, pSelect);
  edgestayNotAvailable(pParse, "CREATE VIEW");
}
#endif

#ifdef SQLITE_OMIT_ALTERTABLE
static void sqlite3AlterRenameTable(Parse *pParse, SrcList *pSrc, Token *pName){
  (void)pName;
  sqlite3SrcListDelete(pParse->db, pSrc);
  edgestayNotAvailable(pParse, "ALTER TABLE");
}
static void sqlite3AlterBeginAddColumn(Parse *pParse, SrcList *pSrc){
  sqlite3SrcListDelete(pParse->db, pSrc);
  edgestayNotAvailable(pParse, "ALTER TABLE");
}
static void sqlite3AlterFinishAddColumn(Parse *pParse, Token *pColDef){ (void)pParse; (void)pColDef; }
static void sqlite3AlterDropColumn(Parse *pParse, SrcList *pSrc, const Token *pName){
  (void)pName;
  sqlite3SrcListDelete(pParse->db, pSrc);
  edgestayNotAvailable(pParse, "ALTER TABLE");
}
static void sqlite3AlterRenameColumn(Parse *pParse, SrcList *pSrc, Token *pOld, Token *pNew){
  (void)pOld; (void)pNew;
  sqlite3SrcListDelete(pParse->db, pSrc);
  edgestayNotAvailable(pParse, "ALTER TABLE");
}
#endif

#ifdef SQLITE_OMIT_TRIGGER
/* CREATE TRIGGER fails (so does opening an image that holds a trigger: its schema cannot
** be read); the step builders free what the grammar handed them and build nothing. */
static void sqlite3BeginTrigger(Parse *pParse, Token *pName1, Token *pName2, int tr_tm, int op, IdList *pColumns,
                                SrcList *pTableName, Expr *pWhen, int isTemp, int noErr){
  (void)pName1; (void)pName2; (void)tr_tm; (void)op; (void)isTemp; (void)noErr;
  sqlite3IdListDelete(pParse->db, pColumns);
  sqlite3SrcListDelete(pParse->db, pTableName);
  sqlite3ExprDelete(pParse->db, pWhen);
  edgestayNotAvailable(pParse, "CREATE TRIGGER");
}
static void sqlite3FinishTrigger(Parse *pParse, TriggerStep *pStepList, Token *pAll){
  (void)pParse; (void)pStepList; (void)pAll;
}
static void sqlite3DropTrigger(Parse *pParse, SrcList *pName, int noErr){
  (void)noErr;
  sqlite3SrcListDelete(pParse->db, pName);
  edgestayNotAvailable(pParse, "DROP TRIGGER");
}
static void sqlite3DeleteTriggerStep(sqlite3 *db, TriggerStep *pStep){ (void)db; (void)pStep; }
static TriggerStep *sqlite3TriggerSelectStep(sqlite3 *db, Select *pSelect, const char *zStart, const char *zEnd){
  (void)zStart; (void)zEnd;
  sqlite3SelectDelete(db, pSelect);
  return 0;
}
static TriggerStep *sqlite3TriggerInsertStep(Parse *pParse, Token *pTableName, IdList *pColumn, Select *pSelect,
                                             unsigned char orconf, Upsert *pUpsert, const char *zStart,
                                             const char *zEnd){
  (void)pTableName; (void)orconf; (void)zStart; (void)zEnd;
  sqlite3IdListDelete(pParse->db, pColumn);
  sqlite3SelectDelete(pParse->db, pSelect);
  sqlite3UpsertDelete(pParse->db, pUpsert);
  return 0;
}
static TriggerStep *sqlite3TriggerUpdateStep(Parse *pParse, Token *pTableName, SrcList *pFrom, ExprList *pEList,
                                             Expr *pWhere, unsigned char orconf, const char *zStart,
                                             const char *zEnd){
  (void)pTableName; (void)orconf; (void)zStart; (void)zEnd;
  sqlite3SrcListDelete(pParse->db, pFrom);
  sqlite3ExprListDelete(pParse->db, pEList);
  sqlite3ExprDelete(pParse->db, pWhere);
  return 0;
}
static TriggerStep *sqlite3TriggerDeleteStep(Parse *pParse, Token *pTableName, Expr *pWhere, const char *zStart,
                                             const char *zEnd){
  (void)pTableName; (void)zStart; (void)zEnd;
  sqlite3ExprDelete(pParse->db, pWhere);
  return 0;
}
#endif

#if SQLITE_OS_OTHER
/* The default VFS of the wasm module (SQLITE_OS_OTHER: no os_unix.c). The engine's
** databases never reach a file through it: an engine without a store is ":memory:"
** (with memdb for snapshots), and a store has its own VFS
** (bindings/embind/edgestay_vfs.cc). What SQLite asks the default VFS for is randomness
** (the core replaces it, sqlite_db.cc), the time (CURRENT_TIMESTAMP and its kin), a full
** path name, and temporary files: the runs of a sort that spills (edgestay_sorts_in_runs,
** below), which live in JS memory, never in the wasm heap. Opening a named file fails. */
#include <emscripten/emscripten.h>
#include <time.h>
#include <unistd.h>

/* Module.edgestayTempFiles maps an id to { chunks, size }: the file's bytes in 64 KiB
** pieces (no piece is ever copied to grow the file; a piece never written reads as
** zeros). edgestay_temp_io copies n bytes at off between wasm memory and the file (a
** read stops at the file's end) and returns how many it copied. */
EM_JS(int, edgestay_temp_open, (void), {
  const files = Module.edgestayTempFiles || (Module.edgestayTempFiles = new Map());
  Module.edgestayTempNext = (Module.edgestayTempNext || 0) + 1;
  files.set(Module.edgestayTempNext, { chunks: [], size: 0 });
  return Module.edgestayTempNext;
});
EM_JS(void, edgestay_temp_close, (int id), { Module.edgestayTempFiles.delete(id); });
EM_JS(double, edgestay_temp_size, (int id), { return Module.edgestayTempFiles.get(id).size; });
EM_JS(void, edgestay_temp_truncate, (int id, double size), {
  const f = Module.edgestayTempFiles.get(id);
  if (size >= f.size) return;
  f.size = size;
  f.chunks.length = Math.ceil(size / 65536);
  const last = f.chunks[f.chunks.length - 1];
  if (last) last.fill(0, size - (f.chunks.length - 1) * 65536);
});
EM_JS(int, edgestay_temp_io, (int id, int write, void *ptr, int n, double off), {
  const f = Module.edgestayTempFiles.get(id);
  ptr >>>= 0;
  if (!write) n = Math.max(0, Math.min(n, f.size - off));
  for (let done = 0; done < n;) {
    const at = off + done, i = Math.floor(at / 65536), o = at - i * 65536, k = Math.min(n - done, 65536 - o);
    let chunk = f.chunks[i];
    if (write) {
      if (!chunk) chunk = f.chunks[i] = new Uint8Array(65536);
      chunk.set(HEAPU8.subarray(ptr + done, ptr + done + k), o);
    } else if (chunk) {
      HEAPU8.set(chunk.subarray(o, o + k), ptr + done);
    } else {
      HEAPU8.fill(0, ptr + done, ptr + done + k);
    }
    done += k;
  }
  if (write && off + n > f.size) f.size = off + n;
  return n;
});

typedef struct EdgestayTempFile {
  sqlite3_file base;
  int id;
} EdgestayTempFile;
#define EDGESTAY_TEMP_ID(f) (((EdgestayTempFile*)(f))->id)

static int edgestayTempClose(sqlite3_file *f){
  edgestay_temp_close(EDGESTAY_TEMP_ID(f));
  return SQLITE_OK;
}
static int edgestayTempRead(sqlite3_file *f, void *zBuf, int iAmt, sqlite3_int64 iOfst){
  int got = edgestay_temp_io(EDGESTAY_TEMP_ID(f), 0, zBuf, iAmt, (double)iOfst);
  if( got==iAmt ) return SQLITE_OK;
  memset((char*)zBuf + got, 0, (size_t)(iAmt - got));
  return SQLITE_IOERR_SHORT_READ;
}
static int edgestayTempWrite(sqlite3_file *f, const void *zBuf, int iAmt, sqlite3_int64 iOfst){
  edgestay_temp_io(EDGESTAY_TEMP_ID(f), 1, (void*)zBuf, iAmt, (double)iOfst);
  return SQLITE_OK;
}
static int edgestayTempTruncate(sqlite3_file *f, sqlite3_int64 size){
  edgestay_temp_truncate(EDGESTAY_TEMP_ID(f), (double)size);
  return SQLITE_OK;
}
static int edgestayTempSize(sqlite3_file *f, sqlite3_int64 *pSize){
  *pSize = (sqlite3_int64)edgestay_temp_size(EDGESTAY_TEMP_ID(f));
  return SQLITE_OK;
}
/* Sync and the locks: nothing to do for a file only this connection ever sees. */
static int edgestayTempNoop(sqlite3_file *f, int x){ (void)f; (void)x; return SQLITE_OK; }
static int edgestayTempCheckReservedLock(sqlite3_file *f, int *pOut){ (void)f; *pOut = 0; return SQLITE_OK; }
static int edgestayTempFileControl(sqlite3_file *f, int op, void *pArg){
  (void)f; (void)op; (void)pArg;
  return SQLITE_NOTFOUND;
}
static int edgestayTempSectorSize(sqlite3_file *f){ (void)f; return 4096; }
static int edgestayTempDeviceCharacteristics(sqlite3_file *f){ (void)f; return 0; }
static const sqlite3_io_methods edgestayTempMethods = {
  1, edgestayTempClose, edgestayTempRead, edgestayTempWrite, edgestayTempTruncate, edgestayTempNoop,
  edgestayTempSize, edgestayTempNoop, edgestayTempNoop, edgestayTempCheckReservedLock,
  edgestayTempFileControl, edgestayTempSectorSize, edgestayTempDeviceCharacteristics
};

/* Temporary files only (no name: SQLite deletes them on close); every named file fails. */
static int edgestayOsOpen(sqlite3_vfs *pVfs, sqlite3_filename zName, sqlite3_file *pFile, int flags, int *pOutFlags){
  (void)pVfs;
  if( zName ){
    pFile->pMethods = 0;
    return SQLITE_CANTOPEN;
  }
  EDGESTAY_TEMP_ID(pFile) = edgestay_temp_open();
  pFile->pMethods = &edgestayTempMethods;
  if( pOutFlags ) *pOutFlags = flags;
  return SQLITE_OK;
}
static int edgestayOsDelete(sqlite3_vfs *pVfs, const char *zName, int syncDir){
  (void)pVfs; (void)zName; (void)syncDir;
  return SQLITE_IOERR_DELETE;
}
static int edgestayOsAccess(sqlite3_vfs *pVfs, const char *zName, int flags, int *pResOut){
  (void)pVfs; (void)zName; (void)flags;
  *pResOut = 0;
  return SQLITE_OK;
}
static int edgestayOsFullPathname(sqlite3_vfs *pVfs, const char *zName, int nOut, char *zOut){
  (void)pVfs;
  sqlite3_snprintf(nOut, zOut, "%s", zName);
  return SQLITE_OK;
}
static int edgestayOsRandomness(sqlite3_vfs *pVfs, int nBuf, char *zBuf){
  int done = 0;
  (void)pVfs;
  memset(zBuf, 0, (size_t)nBuf);
  while( done<nBuf ){
    int chunk = nBuf-done<256 ? nBuf-done : 256;  /* getentropy's limit per call */
    if( getentropy(zBuf+done, (size_t)chunk)!=0 ) break;
    done += chunk;
  }
  return nBuf;
}
static int edgestayOsSleep(sqlite3_vfs *pVfs, int microseconds){
  (void)pVfs;
  return microseconds;  /* nothing waits for a lock here */
}
static int edgestayOsCurrentTimeInt64(sqlite3_vfs *pVfs, sqlite3_int64 *piNow){
  struct timespec t;
  (void)pVfs;
  clock_gettime(CLOCK_REALTIME, &t);
  /* Julian day number in ms, as os_unix.c computes it */
  *piNow = (sqlite3_int64)210866760000000 + (sqlite3_int64)t.tv_sec*1000 + t.tv_nsec/1000000;
  return SQLITE_OK;
}
static int edgestayOsCurrentTime(sqlite3_vfs *pVfs, double *prNow){
  sqlite3_int64 i = 0;
  int rc = edgestayOsCurrentTimeInt64(pVfs, &i);
  *prNow = i/86400000.0;
  return rc;
}
static int edgestayOsGetLastError(sqlite3_vfs *pVfs, int nBuf, char *zBuf){
  (void)pVfs; (void)nBuf; (void)zBuf;
  return 0;
}

SQLITE_API int sqlite3_os_init(void){
  static sqlite3_vfs vfs = {
    2, (int)sizeof(EdgestayTempFile), 512, 0, "edgestay-memory", 0,
    edgestayOsOpen, edgestayOsDelete, edgestayOsAccess, edgestayOsFullPathname,
    0, 0, 0, 0,  /* no loadable extensions */
    edgestayOsRandomness, edgestayOsSleep, edgestayOsCurrentTime, edgestayOsGetLastError,
    edgestayOsCurrentTimeInt64, 0, 0, 0
  };
  return sqlite3_vfs_register(&vfs, 1);
}
SQLITE_API int sqlite3_os_end(void){
  return SQLITE_OK;
}
#endif

/* The database's pages [first, first+n) (numbered from 1) copied into out, n times the
** page size bytes: what sqlite3_serialize() does for a database that is not
** a memdb image, a piece at a time, so that an export never holds a second copy of the
** whole database (Engine::BeginExport; the wasm heap never shrinks). The caller holds a
** read transaction on the database across the pieces. */
int edgestay_copy_pages(sqlite3 *db, const char *zSchema, unsigned int first, unsigned int n,
                        unsigned char *out){
  int iDb = sqlite3FindDbName(db, zSchema);
  Btree *pBt = iDb<0 ? 0 : db->aDb[iDb].pBt;
  Pager *pPager;
  int szPage;
  unsigned int i;
  if( pBt==0 ) return SQLITE_ERROR;
  pPager = sqlite3BtreePager(pBt);
  szPage = sqlite3BtreeGetPageSize(pBt);
  for(i=0; i<n; i++){
    DbPage *pPage = 0;
    int rc = sqlite3PagerGet(pPager, first+i, &pPage, 0);
    if( rc!=SQLITE_OK ) return rc;
    memcpy(out + (sqlite3_int64)szPage*i, sqlite3PagerGetData(pPage), szPage);
    sqlite3PagerUnref(pPage);
  }
  return SQLITE_OK;
}

/* A large sort in runs, for the engine's index builds after a bulk load
** (Engine::Impl::RestoreIndexes). In memory (temp_store=MEMORY, every connection's
** setting) a CREATE INDEX keeps each of the index's entries as a malloc'd record until the
** index is built, beside the pages, and the wasm heap never shrinks. Spilling, the sorter
** keeps one packed buffer of at most run_kib KiB (it sizes its runs by the schema's cache
** size) and writes each sorted run to a temporary file (in JS memory in the wasm module,
** the default VFS above). Both are set directly: the pragmas would also resize the page
** cache, and PRAGMA temp_store refuses inside a transaction once the temp schema is open
** (and would drop it). Only sorters opened from now on are affected. Returns what
** edgestay_sorts_in_memory takes to undo it. Needs SQLITE_TEMP_STORE=2 (CMakeLists.txt). */
int edgestay_sorts_in_runs(sqlite3 *db, int run_kib){
  int saved = db->aDb[0].pSchema->cache_size;
  db->temp_store = 1;
  db->aDb[0].pSchema->cache_size = -run_kib;
  return saved;
}
void edgestay_sorts_in_memory(sqlite3 *db, int saved){
  db->temp_store = 2;
  db->aDb[0].pSchema->cache_size = saved;
}

/* The b-trees that rows written to table zTable of the main database in ascending order
** of its key append to: its own (a rowid table, by rowid, or a WITHOUT ROWID one whose
** primary key has no DESC column) and, WITHOUT ROWID, each index led by the primary key's
** columns in the same order and collations (room_inventory's contract index: (room_type_id,
** date, available) after the key (room_type_id, date)). Up to nMax root pages into aRoot,
** the table's first; returns how many (0: no such table, or its key descends). What
** edgestay_bulk_appends needs, read from the schema SQLite holds. */
int edgestay_append_btrees(sqlite3 *db, const char *zTable, int *aRoot, int nMax){
  Table *pTab = sqlite3FindTable(db, zTable, "main");
  Index *pPk, *pIdx;
  int n = 0, i;
  if( pTab==0 || !IsOrdinaryTable(pTab) || nMax<1 ) return 0;
  if( HasRowid(pTab) ){
    aRoot[0] = (int)pTab->tnum;
    return 1;
  }
  pPk = sqlite3PrimaryKeyIndex(pTab);
  for(i=0; i<pPk->nKeyCol; i++){
    if( pPk->aSortOrder[i] ) return 0;
  }
  aRoot[n++] = (int)pTab->tnum;
  for(pIdx=pTab->pIndex; pIdx && n<nMax; pIdx=pIdx->pNext){
    int led = pIdx!=pPk && pIdx->nKeyCol>=pPk->nKeyCol;
    for(i=0; led && i<pPk->nKeyCol; i++){
      led = pIdx->aiColumn[i]==pPk->aiColumn[i] && pIdx->aSortOrder[i]==0
         && sqlite3StrICmp(pIdx->azColl[i], pPk->azColl[i])==0;
    }
    if( led ) aRoot[n++] = (int)pIdx->tnum;
  }
  return n;
}

/* Whether a prepared write statement fills the b-trees rooted at pages aRoot[0..nRoot)
** (edgestay_append_btrees) as a bulk load (on) or as usual (off). SQLite splits a full
** page so that both halves have room to grow, and entries inserted in ascending order
** leave a WITHOUT ROWID table's pages, and an index's, about 88% full for good (a rowid
** table's appends already get whole pages). A bulk load (what CREATE INDEX does,
** OPFLAG_BULKCSR on its cursor) keeps the left pages full instead: right for entries that
** arrive in order, wrong otherwise (every insert into a full page splits it again), so
** the table's indexes in other orders are left as they are. The engine sets it only while
** a table's rows arrive in key order after every stored one (apply_changes.cc). A
** statement SQLite prepares again (after a schema change) loses it: call this before
** every step (it stops at the last of the b-trees' opens, near the program's start). */
void edgestay_bulk_appends(sqlite3_stmt *pStmt, const int *aRoot, int nRoot, int on){
  Vdbe *v = (Vdbe*)pStmt;
  int i, j, found = 0;
  for(i=0; i<v->nOp && found<nRoot; i++){
    Op *pOp = &v->aOp[i];
    if( pOp->opcode!=OP_OpenWrite || (pOp->p5 & OPFLAG_P2ISREG) ) continue;
    for(j=0; j<nRoot && pOp->p2!=aRoot[j]; j++){}
    if( j==nRoot ) continue;
    if( on ) pOp->p5 |= OPFLAG_BULKCSR;
    else pOp->p5 &= ~OPFLAG_BULKCSR;
    found++;
  }
}

/* ---- The appender: a bulk load's rows written straight into the b-trees.
**
** Rows of a table that arrive in the order of its key, after every stored row (what a
** bootstrap's pages bring: apply_changes.cc), are appends to the b-trees of
** edgestay_append_btrees. The appender writes them there as the sorted phase of a
** CREATE INDEX writes an index: a record built once, inserted at the b-tree's end (no
** seek), pages packed full; without a statement per row, whose program re-checks the key
** for a conflict with a descent of the b-tree and builds the same record. It stores what
** that INSERT would store, or nothing: it declines (EDGESTAY_DECLINED) any row it cannot
** judge exactly as SQLite would (a NULL in a NOT NULL column, a value its column's
** affinity would convert, a CHECK constraint that fails or is past edgestayCheck's few
** forms), and the caller writes that row with its statement, which then raises SQLite's
** own error; so is a row that belongs to one of the table's partial indexes (the few
** local bookings among a load's). Opening refuses (0) a table with any other live index,
** a partial index or an expression among the appended b-trees, or a key not in BINARY
** order. The caller guarantees the order (each key after the last); the appender holds
** cursors on the b-trees, so it is closed before any schema change and before the
** transaction ends. */
#define EDGESTAY_MAX_TREES 4

struct EdgestayAppender {
  sqlite3 *db;
  Table *pTab;  /* 0: an index fill, whose entries come whole (edgestay_index_fill_append) */
  int nTree;
  BtCursor *apCur[EDGESTAY_MAX_TREES];
  Index *apIdx[EDGESTAY_MAX_TREES];  /* the columns each b-tree's record holds (0: a rowid table's row) */
  KeyInfo *apKeyInfo[EDGESTAY_MAX_TREES];
  Index *apPartial[EDGESTAY_MAX_TREES];  /* partial indexes no appended row may belong to */
  int nPartial;
  u8 *aRec;
  int nRecAlloc;
};

void edgestay_appender_close(EdgestayAppender *p){
  int i;
  if( p==0 ) return;
  for(i=0; i<p->nTree; i++){
    if( p->apCur[i] ){ sqlite3BtreeCloseCursor(p->apCur[i]); sqlite3_free(p->apCur[i]); }
    if( p->apKeyInfo[i] ) sqlite3KeyInfoUnref(p->apKeyInfo[i]);
  }
  sqlite3_free(p->aRec);
  sqlite3_free(p);
}

/* The next b-tree of p opened for appends: page iRoot, read with p->apKeyInfo[p->nTree]
** (0: a rowid table's rows). Counted in p->nTree whether or not it opens, so that
** edgestay_appender_close frees what it holds. */
static int edgestayAppenderOpenTree(EdgestayAppender *p, Pgno iRoot){
  const int i = p->nTree++;
  BtCursor *pCur = p->apCur[i] = sqlite3_malloc(sqlite3BtreeCursorSize());
  int rc;
  if( pCur==0 ) return SQLITE_NOMEM;
  sqlite3BtreeCursorZero(pCur);
  rc = sqlite3BtreeCursor(p->db->aDb[0].pBt, iRoot, BTREE_WRCSR, p->apKeyInfo[i], pCur);
  if( rc!=SQLITE_OK ){
    sqlite3_free(pCur);
    p->apCur[i] = 0;
    return rc;
  }
  sqlite3BtreeCursorHintFlags(pCur, BTREE_BULKLOAD);
  return SQLITE_OK;
}

/* Entry x appended at the end of pCur's b-tree. At its last entry (a cursor left there by
** the last append stays valid unless the page split), the new entry goes after it: no
** seek. */
static int edgestayAppendEntry(BtCursor *pCur, const BtreePayload *x){
  int rc = SQLITE_OK, res = 0;
  if( !sqlite3BtreeCursorIsValidNN(pCur) ) rc = sqlite3BtreeLast(pCur, &res);
  if( rc==SQLITE_OK ) rc = sqlite3BtreeInsert(pCur, x, BTREE_APPEND, -1);
  return rc;
}

/* A value of a CHECK's operand pE for row a[]: EDGESTAY_CELL_* (*pI, or *pZ and *pN),
** or -1 for an operand edgestayCheck does not judge. */
static int edgestayValue(Table *pTab, Expr *pE, const EdgestayCell *a, i64 *pI, const char **pZ, int *pN){
  const EdgestayCell *c;
  switch( pE->op ){
    case TK_COLUMN:
      /* Compared by BINARY order only: a column with its own collation is not judged. */
      if( pE->iColumn>=pTab->nCol || (pE->iColumn<0 && pTab->iPKey<0) ) return -1;
      if( pE->iColumn>=0 && sqlite3ColumnColl(&pTab->aCol[pE->iColumn])!=0 ) return -1;
      c = &a[pE->iColumn<0 ? pTab->iPKey : pE->iColumn];
      *pI = c->i; *pZ = c->z; *pN = c->n;
      return c->kind;
    case TK_INTEGER:
      if( ExprHasProperty(pE, EP_IntValue) ){
        *pI = pE->u.iValue;
      }else if( sqlite3DecOrHexToI64(pE->u.zToken, pI)!=0 ){
        return -1;
      }
      return EDGESTAY_CELL_INT;
    case TK_STRING:
      *pZ = pE->u.zToken;
      *pN = sqlite3Strlen30(pE->u.zToken);
      return EDGESTAY_CELL_TEXT;
    default:
      return -1;
  }
}

/* Two operands compared: <0, 0, >0; 2 when either is NULL; 3 when one is not judged or
** their kinds differ (an affinity conversion would decide). */
static int edgestayCompare(Table *pTab, Expr *pL, Expr *pR, const EdgestayCell *a){
  i64 i1 = 0, i2 = 0;
  const char *z1 = 0, *z2 = 0;
  int n1 = 0, n2 = 0, c;
  int k1 = edgestayValue(pTab, pL, a, &i1, &z1, &n1), k2 = edgestayValue(pTab, pR, a, &i2, &z2, &n2);
  if( k1<0 || k2<0 ) return 3;
  if( k1==EDGESTAY_CELL_NULL || k2==EDGESTAY_CELL_NULL ) return 2;
  if( k1!=k2 ) return 3;
  if( k1==EDGESTAY_CELL_INT ) return i1<i2 ? -1 : i1>i2;
  c = memcmp(z1, z2, n1<n2 ? n1 : n2);
  return c ? c : n1-n2;
}

/* SQL's three-valued truth of CHECK expression pE for row a[]: 1 true, 0 false, 2 NULL,
** 3 not judged (a form other than comparisons of columns and literals, AND, OR, NOT,
** IS [NOT] NULL and IN a list of literals). */
static int edgestayCheck(Table *pTab, Expr *pE, const EdgestayCell *a){
  int l, r, c, i;
  switch( pE->op ){
    case TK_AND: case TK_OR:
      l = edgestayCheck(pTab, pE->pLeft, a);
      r = edgestayCheck(pTab, pE->pRight, a);
      if( l==3 || r==3 ) return 3;
      if( pE->op==TK_AND ? (l==0 || r==0) : (l==1 || r==1) ) return pE->op==TK_OR;
      return l==2 || r==2 ? 2 : pE->op==TK_AND;
    case TK_NOT:
      l = edgestayCheck(pTab, pE->pLeft, a);
      return l>=2 ? l : !l;
    case TK_ISNULL: case TK_NOTNULL: {
      i64 iv; const char *z; int n;
      int k = edgestayValue(pTab, pE->pLeft, a, &iv, &z, &n);
      if( k<0 ) return 3;
      return (k==EDGESTAY_CELL_NULL)==(pE->op==TK_ISNULL);
    }
    case TK_IN: {
      int sawNull = 0;
      if( ExprUseXSelect(pE) || pE->x.pList==0 ) return 3;
      for(i=0; i<pE->x.pList->nExpr; i++){
        Expr *pV = pE->x.pList->a[i].pExpr;
        if( pV->op!=TK_INTEGER && pV->op!=TK_STRING ) return 3;
        c = edgestayCompare(pTab, pE->pLeft, pV, a);
        if( c==3 ) return 3;
        if( c==2 ) sawNull = 1;
        else if( c==0 ) return 1;
      }
      return sawNull ? 2 : 0;
    }
    case TK_EQ: case TK_NE: case TK_LT: case TK_LE: case TK_GT: case TK_GE:
      c = edgestayCompare(pTab, pE->pLeft, pE->pRight, a);
      if( c>=2 ) return c;
      switch( pE->op ){
        case TK_EQ: return c==0;
        case TK_NE: return c!=0;
        case TK_LT: return c<0;
        case TK_LE: return c<=0;
        case TK_GT: return c>0;
        default:    return c>=0;
      }
    default:
      return 3;
  }
}

/* An appender for table zTable of the main database, or 0 when it refuses the table (see
** above). Opens its write transaction if the connection's has not written yet. */
EdgestayAppender *edgestay_appender_open(sqlite3 *db, const char *zTable){
  Table *pTab = sqlite3FindTable(db, zTable, "main");
  Btree *pBt = db->aDb[0].pBt;
  EdgestayAppender *p;
  Index *pIdx, *pPk = 0, *apPartial[EDGESTAY_MAX_TREES];
  int aRoot[EDGESTAY_MAX_TREES], nRoot, nPartial = 0, i, j;
  Parse sParse;
  if( pTab==0 || (pTab->tabFlags & TF_HasGenerated) || pTab->nCol>64 ) return 0;  /* edgestayRecord's limit */
  nRoot = edgestay_append_btrees(db, zTable, aRoot, EDGESTAY_MAX_TREES);
  if( nRoot==0 ) return 0;
  /* Every index is one the appends reach (led by the key, in the key's collations), or
  ** a partial one that a row outside it leaves alone (a row inside is declined). */
  for(pIdx=pTab->pIndex; pIdx; pIdx=pIdx->pNext){
    for(i=0; i<nRoot && (int)pIdx->tnum!=aRoot[i]; i++){}
    if( i<nRoot ) continue;
    if( !pIdx->pPartIdxWhere || nPartial==EDGESTAY_MAX_TREES ) return 0;
    apPartial[nPartial++] = pIdx;
  }
  if( HasRowid(pTab) ){
    /* The rowid must come from a column. */
    if( pTab->iPKey<0 ) return 0;
  }else{
    /* The key BINARY: the order the caller's keys ascend in. */
    pPk = sqlite3PrimaryKeyIndex(pTab);
    for(j=0; j<pPk->nKeyCol; j++){
      if( pPk->azColl[j]!=sqlite3StrBINARY ) return 0;
    }
  }
  if( sqlite3BtreeBeginTrans(pBt, 1, 0)!=SQLITE_OK ) return 0;
  p = sqlite3_malloc(sizeof(*p));
  if( p==0 ) return 0;
  memset(p, 0, sizeof(*p));
  p->db = db;
  p->pTab = pTab;
  memcpy(p->apPartial, apPartial, sizeof(apPartial));
  p->nPartial = nPartial;
  memset(&sParse, 0, sizeof(sParse));
  sParse.db = db;
  for(i=0; i<nRoot; i++){
    if( pPk ){
      for(pIdx=pTab->pIndex; pIdx && (int)pIdx->tnum!=aRoot[i]; pIdx=pIdx->pNext){}
      if( pIdx==0 || pIdx->pPartIdxWhere ) break;
      for(j=0; j<pIdx->nColumn && pIdx->aiColumn[j]>=0; j++){}
      if( j<pIdx->nColumn ) break;  /* an expression: not a column's value */
      p->apIdx[i] = pIdx;
      p->apKeyInfo[i] = sqlite3KeyInfoOfIndex(&sParse, pIdx);
      if( p->apKeyInfo[i]==0 ) break;
    }
    if( edgestayAppenderOpenTree(p, (Pgno)aRoot[i])!=SQLITE_OK ) break;
  }
  if( i<nRoot ){
    edgestay_appender_close(p);
    return 0;
  }
  return p;
}

/* Bytes of each serial type below 12 (sqlite3VdbeSerialTypeLen's, without the call: a
** record is built for every row and every b-tree of a load). */
static const u8 edgestayTypeLen[12] = {0, 1, 2, 3, 4, 6, 8, 8, 0, 0, 0, 0};

/* The serial type of value c in SQLite's record format: its shortest form. bSmallInts:
** the file format has types 8 and 9 (0 and 1 in no bytes). */
static SQLITE_INLINE u32 edgestaySerialType(const EdgestayCell *c, int bSmallInts){
  u64 u;
  if( c->kind==EDGESTAY_CELL_NULL ) return 0;
  if( c->kind==EDGESTAY_CELL_TEXT ) return 13 + 2*(u32)c->n;
  u = c->i<0 ? ~(u64)c->i : (u64)c->i;
  if( u<=1 && c->i>=0 && bSmallInts ) return 8 + (u32)c->i;
  if( u<=127 ) return 1;
  if( u<=32767 ) return 2;
  if( u<=8388607 ) return 3;
  if( u<=2147483647 ) return 4;
  if( u<=0x7fffffffffffLL ) return 5;
  return 6;
}

static SQLITE_INLINE u32 edgestayTypeBytes(u32 t){
  return t>=12 ? (t-12)/2 : edgestayTypeLen[t];
}

/* A record header's size from the bytes of its serial types: it counts its own varint. */
static int edgestayHeaderBytes(int nTypes){
  int nVarint = sqlite3VarintLen((u64)nTypes);
  return nTypes + nVarint + (nVarint<sqlite3VarintLen((u64)(nTypes + nVarint)));
}

/* The record of fields ap[0..nField), of serial types aType[], in OP_MakeRecord's format,
** in *paRec (grown as needed, *pnAlloc bytes); its size, or -1 (no memory). */
static int edgestayPack(u8 **paRec, int *pnAlloc, const EdgestayCell *const *ap, const u32 *aType, int nField){
  int i, nHdr = 0, nBody = 0;
  u8 *z;
  for(i=0; i<nField; i++){
    nHdr += aType[i]<0x80 ? 1 : sqlite3VarintLen(aType[i]);
    nBody += (int)edgestayTypeBytes(aType[i]);
  }
  nHdr = edgestayHeaderBytes(nHdr);
  if( nHdr+nBody>*pnAlloc ){
    u8 *aNew = sqlite3_realloc(*paRec, nHdr+nBody+64);
    if( aNew==0 ) return -1;
    *paRec = aNew;
    *pnAlloc = nHdr+nBody+64;
  }
  z = *paRec;
  z += sqlite3PutVarint(z, (u64)nHdr);
  for(i=0; i<nField; i++){
    if( aType[i]<0x80 ) *z++ = (u8)aType[i];
    else z += sqlite3PutVarint(z, aType[i]);
  }
  for(i=0; i<nField; i++){
    u32 n = edgestayTypeBytes(aType[i]), k;
    if( aType[i]>=13 ){
      memcpy(z, ap[i]->z, n);
    }else{
      u64 v = (u64)ap[i]->i;
      for(k=n; k>0; k--){ z[k-1] = (u8)v; v >>= 8; }
    }
    z += n;
  }
  return (int)(z - *paRec);
}

/* The record of row a[] as b-tree iTree stores it, in p->aRec; its size, or -1 (no
** memory). aColType: the serial type of each of the table's columns' values, made once
** for all the b-trees. */
static int edgestayRecord(EdgestayAppender *p, int iTree, const EdgestayCell *a, const u32 *aColType){
  Index *pIdx = p->apIdx[iTree];
  Table *pTab = p->pTab;
  int nField = pIdx ? pIdx->nColumn : pTab->nCol, i;
  u32 aType[64];
  const EdgestayCell *ap[64];
  if( nField>64 ) return -1;
  for(i=0; i<nField; i++){
    int iCol = pIdx ? pIdx->aiColumn[i] : i;
    /* a rowid table's INTEGER PRIMARY KEY is the row's key, NULL in its record */
    aType[i] = !pIdx && iCol==pTab->iPKey ? 0 : aColType[iCol];
    ap[i] = &a[iCol];
  }
  return edgestayPack(&p->aRec, &p->nRecAlloc, ap, aType, nField);
}

/* What a row of its table takes in index zIndex (main database): the mean bytes of the
** b-tree cells of the entries of the table's first nRows rows (each a record of the
** index's columns and the row's key, its size varint and its 2-byte cell pointer); 0 when
** it cannot tell (no such index, an indexed expression, an empty table). An estimate of
** what building the index stores: a REAL or BLOB value counts as the text of its bytes. */
double edgestay_index_row_bytes(sqlite3 *db, const char *zIndex, int nRows){
  Index *pIdx = sqlite3FindIndex(db, zIndex, "main");
  sqlite3_str *pSql;
  sqlite3_stmt *pStmt = 0;
  sqlite3_int64 nCells = 0, nSampled = 0;
  int i;
  if( pIdx==0 ) return 0;
  pSql = sqlite3_str_new(db);
  sqlite3_str_appendall(pSql, "SELECT ");
  for(i=0; i<pIdx->nColumn; i++){
    int iCol = pIdx->aiColumn[i];
    if( iCol!=XN_ROWID && iCol<0 ) break;  /* an expression */
    if( i>0 ) sqlite3_str_appendall(pSql, ", ");
    if( iCol==XN_ROWID ) sqlite3_str_appendall(pSql, "rowid");
    else sqlite3_str_appendf(pSql, "\"%w\"", pIdx->pTable->aCol[iCol].zCnName);
  }
  sqlite3_str_appendf(pSql, " FROM \"%w\" LIMIT %d", pIdx->pTable->zName, nRows);
  if( i==pIdx->nColumn ){
    char *zSql = sqlite3_str_finish(pSql);
    if( zSql && sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0)!=SQLITE_OK ) pStmt = 0;
    sqlite3_free(zSql);
  }else{
    sqlite3_free(sqlite3_str_finish(pSql));
  }
  while( pStmt && sqlite3_step(pStmt)==SQLITE_ROW ){
    int nTypes = 0, nBody = 0, nRec;
    for(i=0; i<pIdx->nColumn; i++){
      EdgestayCell c;
      u32 t;
      int type = sqlite3_column_type(pStmt, i);
      c.kind = type==SQLITE_NULL ? EDGESTAY_CELL_NULL : type==SQLITE_INTEGER ? EDGESTAY_CELL_INT : EDGESTAY_CELL_TEXT;
      c.i = c.kind==EDGESTAY_CELL_INT ? sqlite3_column_int64(pStmt, i) : 0;
      c.n = c.kind==EDGESTAY_CELL_TEXT ? sqlite3_column_bytes(pStmt, i) : 0;
      t = edgestaySerialType(&c, 1);
      nTypes += sqlite3VarintLen(t);
      nBody += (int)edgestayTypeBytes(t);
    }
    nRec = edgestayHeaderBytes(nTypes) + nBody;
    nCells += nRec + sqlite3VarintLen((u64)nRec) + 2;
    nSampled++;
  }
  sqlite3_finalize(pStmt);
  return nSampled ? (double)nCells / (double)nSampled : 0;
}

/* Row a[] (the table's columns, in order) appended: SQLITE_OK, EDGESTAY_DECLINED (nothing
** written: the caller writes the row with its statement), or SQLite's error. */
int edgestay_appender_append(EdgestayAppender *p, const EdgestayCell *a){
  Table *pTab = p->pTab;
  int i, rc = SQLITE_OK;
  u32 aColType[64];  /* nCol <= 64: edgestay_appender_open's limit */
  for(i=0; i<pTab->nCol; i++){
    const Column *pCol = &pTab->aCol[i];
    int kind = a[i].kind;
    if( kind==EDGESTAY_CELL_NULL ){
      if( pCol->notNull && i!=pTab->iPKey ) return EDGESTAY_DECLINED;
    }else if( pCol->affinity==SQLITE_AFF_INTEGER ? kind!=EDGESTAY_CELL_INT
            : pCol->affinity==SQLITE_AFF_TEXT ? kind!=EDGESTAY_CELL_TEXT
            : pCol->affinity!=SQLITE_AFF_BLOB ){
      return EDGESTAY_DECLINED;  /* a value SQLite would convert (or REAL, NUMERIC) */
    }
  }
  if( pTab->iPKey>=0 && a[pTab->iPKey].kind!=EDGESTAY_CELL_INT ) return EDGESTAY_DECLINED;
  if( pTab->pCheck && (p->db->flags & SQLITE_IgnoreChecks)==0 ){
    for(i=0; i<pTab->pCheck->nExpr; i++){
      int t = edgestayCheck(pTab, pTab->pCheck->a[i].pExpr, a);
      if( t==0 || t==3 ) return EDGESTAY_DECLINED;  /* NULL passes a CHECK, as in SQL */
    }
  }
  for(i=0; i<p->nPartial; i++){
    int t = edgestayCheck(pTab, p->apPartial[i]->pPartIdxWhere, a);
    if( t==1 || t==3 ) return EDGESTAY_DECLINED;  /* a row of the index (NULL: not one) */
  }
  {
    const int bSmallInts = p->db->aDb[0].pSchema->file_format>=4;
    for(i=0; i<pTab->nCol; i++) aColType[i] = edgestaySerialType(&a[i], bSmallInts);
  }
  for(i=0; i<p->nTree && rc==SQLITE_OK; i++){
    BtreePayload x;
    int nRec = edgestayRecord(p, i, a, aColType);
    if( nRec<0 ) return SQLITE_NOMEM;
    memset(&x, 0, sizeof(x));
    if( p->apIdx[i] ){
      x.pKey = p->aRec;
      x.nKey = nRec;
    }else{
      x.nKey = a[pTab->iPKey].i;
      x.pData = p->aRec;
      x.nData = nRec;
    }
    rc = edgestayAppendEntry(p->apCur[i], &x);
  }
  return rc;
}

/* ---- An index built from the engine's own sort (index_sort.cc).
**
** A CREATE INDEX after a bulk load sorts its entries with SQLite's sorter, whose compare
** unpacks a whole record whenever the first fields tie (a hotel's bookings all share
** hotel_id, most share a status), and whose runs go through temporary files. The engine
** sorts such an index's entries itself (keys that compare as bytes) when they fit in
** memory, then creates the index empty (edgestay_index_create_empty: the statement's own
** schema work, its table scan skipped) and fills it in order (edgestay_index_fill_*), as
** the sorted phase of CREATE INDEX does. Only for an index that stores exactly its
** columns' values (edgestay_index_key_columns), so the entries are what SQLite would
** have stored; PRAGMA integrity_check compares them with the table in the tests. */

/* The table columns of index zIndex's key (main database), in order, into aiCol (at
** most nMax); their number, or -1 when the engine's sort must not build it: not a plain
** index of a rowid table (unique, partial, an expression or the rowid among its
** columns), a column in another collation than BINARY or descending, of REAL affinity
** (SQLite indexes its integer values as reals) or past the 64th (edgestay_table_scan). */
int edgestay_index_key_columns(sqlite3 *db, const char *zIndex, int *aiCol, int nMax){
  Index *pIdx = sqlite3FindIndex(db, zIndex, "main");
  Table *pTab;
  int i;
  if( pIdx==0 || pIdx->pPartIdxWhere || pIdx->onError!=OE_None || pIdx->nKeyCol>nMax ) return -1;
  pTab = pIdx->pTable;
  if( !HasRowid(pTab) || (pTab->tabFlags & TF_HasGenerated) ) return -1;
  for(i=0; i<pIdx->nKeyCol; i++){
    int iCol = pIdx->aiColumn[i];
    if( iCol<0 || iCol>=64 || pIdx->aSortOrder[i] || sqlite3StrICmp(pIdx->azColl[i], sqlite3StrBINARY)!=0 ) return -1;
    if( pTab->aCol[iCol].affinity==SQLITE_AFF_REAL ) return -1;
    aiCol[i] = iCol;
  }
  return pIdx->nKeyCol;
}

/* Every row of rowid table zTable (main database) in rowid order, handed to xRow as
** nCol cells (the INTEGER PRIMARY KEY's is the rowid) and its rowid; xRow's nonzero
** return stops the scan and is returned. Only the columns of bits set in mColumns are
** read (the others' cells are NULL; none past the 64th). EDGESTAY_DECLINED: a row whose
** read columns the cells cannot hold (a REAL or BLOB value, or fewer fields than
** columns: a column added later, whose default SQLite supplies). The cells' text points
** into the page or into a buffer that the next row reuses. */
int edgestay_table_scan(sqlite3 *db, const char *zTable, sqlite3_uint64 mColumns,
                        int (*xRow)(void *pArg, const EdgestayCell *a, sqlite3_int64 rowid), void *pArg){
  Table *pTab = sqlite3FindTable(db, zTable, "main");
  Btree *pBt = db->aDb[0].pBt;
  BtCursor *pCur;
  EdgestayCell *a;
  u8 *aBuf = 0;
  u32 nBuf = 0;
  int rc, res = 0;
  if( pTab==0 || !HasRowid(pTab) || !IsOrdinaryTable(pTab) ) return EDGESTAY_DECLINED;
  pCur = sqlite3_malloc(sqlite3BtreeCursorSize());
  a = sqlite3_malloc(sizeof(EdgestayCell)*pTab->nCol);
  if( pCur==0 || a==0 ){
    sqlite3_free(pCur);
    sqlite3_free(a);
    return SQLITE_NOMEM;
  }
  sqlite3BtreeCursorZero(pCur);
  rc = sqlite3BtreeCursor(pBt, pTab->tnum, 0, 0, pCur);
  if( rc==SQLITE_OK ) rc = sqlite3BtreeFirst(pCur, &res);
  while( rc==SQLITE_OK && !res ){
    i64 iRowid = sqlite3BtreeIntegerKey(pCur);
    u32 nPayload = sqlite3BtreePayloadSize(pCur), nLocal = 0, nHdr, iHdr, iBody;
    const u8 *z = sqlite3BtreePayloadFetch(pCur, &nLocal);
    int i;
    if( nLocal<nPayload ){
      /* on overflow pages too: copied whole */
      if( nPayload>nBuf ){
        u8 *aNew = sqlite3_realloc(aBuf, (int)nPayload);
        if( aNew==0 ){ rc = SQLITE_NOMEM; break; }
        aBuf = aNew;
        nBuf = nPayload;
      }
      rc = sqlite3BtreePayload(pCur, 0, nPayload, aBuf);
      if( rc!=SQLITE_OK ) break;
      z = aBuf;
    }
    iHdr = getVarint32(z, nHdr);
    iBody = nHdr;
    if( nHdr>nPayload ){ rc = SQLITE_CORRUPT; break; }
    for(i=0; i<pTab->nCol && rc==SQLITE_OK; i++){
      EdgestayCell *c = &a[i];
      u32 t, n;
      int bRead = i<64 && ((mColumns>>i) & 1);
      if( iHdr<nHdr ){
        iHdr += getVarint32(z+iHdr, t);
      }else if( bRead ){
        rc = EDGESTAY_DECLINED;
        break;
      }else{
        t = 0;
      }
      n = edgestayTypeBytes(t);
      if( iBody+n>nPayload ){ rc = SQLITE_CORRUPT; break; }
      c->z = 0;
      c->n = 0;
      c->i = 0;
      if( !bRead ){
        c->kind = EDGESTAY_CELL_NULL;
      }else if( i==pTab->iPKey ){
        c->kind = EDGESTAY_CELL_INT;
        c->i = iRowid;
      }else if( t==0 ){
        c->kind = EDGESTAY_CELL_NULL;
      }else if( t<=6 || t==8 || t==9 ){
        Mem m;
        sqlite3VdbeSerialGet(z+iBody, t, &m);
        c->kind = EDGESTAY_CELL_INT;
        c->i = m.u.i;
      }else if( t>=13 && (t&1) ){
        c->kind = EDGESTAY_CELL_TEXT;
        c->z = (const char*)z+iBody;
        c->n = (int)n;
      }else{
        rc = EDGESTAY_DECLINED;  /* REAL, BLOB, or a reserved type */
      }
      iBody += n;
    }
    if( rc==SQLITE_OK ) rc = xRow(pArg, a, iRowid);
    if( rc==SQLITE_OK ){
      rc = sqlite3BtreeNext(pCur, 0);
      if( rc==SQLITE_DONE ){ rc = SQLITE_OK; break; }
    }
  }
  sqlite3BtreeCloseCursor(pCur);
  sqlite3_free(pCur);
  sqlite3_free(a);
  sqlite3_free(aBuf);
  return rc;
}

/* CREATE INDEX statement zSql run with its table scan skipped: the index is in the
** schema, its b-tree empty. EDGESTAY_DECLINED (nothing run) when the program is not
** the shape expected (a sorter, then the table's rewind); then the caller runs zSql as
** it is. */
int edgestay_index_create_empty(sqlite3 *db, const char *zSql){
  sqlite3_stmt *pStmt = 0;
  Vdbe *v;
  int i, sawSorter = 0, rc = sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0);
  if( rc!=SQLITE_OK ) return rc;
  v = (Vdbe*)pStmt;
  for(i=0; i<v->nOp; i++){
    Op *pOp = &v->aOp[i];
    if( pOp->opcode==OP_SorterOpen ){
      sawSorter = 1;
    }else if( sawSorter && pOp->opcode==OP_Rewind ){
      /* "the table is empty": on to the sort, which finds nothing to write */
      pOp->opcode = OP_Goto;
      pOp->p1 = 0;
      break;
    }
  }
  if( i==v->nOp ){
    sqlite3_finalize(pStmt);
    return EDGESTAY_DECLINED;
  }
  while( (rc = sqlite3_step(pStmt))==SQLITE_ROW ){}
  rc = sqlite3_finalize(pStmt);
  return rc;
}

/* An appender of one b-tree, index zIndex's (main database), in *pp, for entries that
** come in its order (edgestay_index_fill_append; closed by edgestay_appender_close):
** SQLITE_OK; EDGESTAY_DECLINED when the b-tree holds entries already (SQLite prepared the
** statement again and built the index in full); or an error. */
int edgestay_index_fill_open(sqlite3 *db, const char *zIndex, EdgestayAppender **pp){
  Index *pIdx = sqlite3FindIndex(db, zIndex, "main");
  EdgestayAppender *p;
  Parse sParse;
  int rc, res = 0;
  *pp = 0;
  if( pIdx==0 || pIdx->nColumn>64 ) return SQLITE_MISUSE;
  p = sqlite3_malloc(sizeof(*p));
  if( p==0 ) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  memset(&sParse, 0, sizeof(sParse));
  sParse.db = db;
  p->db = db;
  p->apIdx[0] = pIdx;
  p->apKeyInfo[0] = sqlite3KeyInfoOfIndex(&sParse, pIdx);
  rc = p->apKeyInfo[0] ? edgestayAppenderOpenTree(p, pIdx->tnum) : SQLITE_NOMEM;
  if( rc==SQLITE_OK ) rc = sqlite3BtreeLast(p->apCur[0], &res);
  if( rc==SQLITE_OK && !res ) rc = EDGESTAY_DECLINED;
  if( rc!=SQLITE_OK ){
    edgestay_appender_close(p);
    return rc;
  }
  *pp = p;
  return SQLITE_OK;
}

/* The entry of fields a[0..nField) (the index's columns, then the rowid) appended. */
int edgestay_index_fill_append(EdgestayAppender *p, const EdgestayCell *a, int nField){
  const int bSmallInts = p->db->aDb[0].pSchema->file_format>=4;
  u32 aType[65];
  const EdgestayCell *ap[65];
  BtreePayload x;
  int i, nRec;
  if( nField>65 ) return SQLITE_MISUSE;
  for(i=0; i<nField; i++){
    aType[i] = edgestaySerialType(&a[i], bSmallInts);
    ap[i] = &a[i];
  }
  nRec = edgestayPack(&p->aRec, &p->nRecAlloc, ap, aType, nField);
  if( nRec<0 ) return SQLITE_NOMEM;
  memset(&x, 0, sizeof(x));
  x.pKey = p->aRec;
  x.nKey = nRec;
  return edgestayAppendEntry(p->apCur[0], &x);
}
