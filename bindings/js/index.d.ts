// Type declarations for the edgestay package (bindings/js/index.mjs), written by hand.
//
// The contract they describe is docs/API.md (queries, answers, errors) and
// sync/FORMAT.md (change batches, push requests and results). Keep the three in step:
// tests/js/types_check.test.mjs type-checks tests/js/types/usage.ts against this file
// and checks that every public Engine method and every documented error code is here.
//
// Conventions: dates are `YYYY-MM-DD` strings of the hotel's calendar (`DateString`);
// instants are integer milliseconds since the Unix epoch (`EpochMs`); money is integer
// cents in the hotel's currency. Answers are plain JSON objects. Answers the query cache
// serves may be frozen, so they are typed read-only: copy before you modify one.

// ----------------------------------------------------------------------------------------
// Scalars and vocabularies
// ----------------------------------------------------------------------------------------

/** A calendar date `YYYY-MM-DD` (hotel-local). */
export type DateString = string;
/** Milliseconds since the Unix epoch (UTC), an integer. */
export type EpochMs = number;
/** Booleans in change batches may be written `true`/`false` or `1`/`0`. */
export type BoolLike = boolean | 0 | 1;

export type BookingStatus = 'HELD' | 'PENDING_SYNC' | 'CONFIRMED' | 'REJECTED' | 'CANCELLED' | 'EXPIRED';
export type BookingOrigin = 'local' | 'central';
export type WaitlistStatus = 'WAITING' | 'OFFERED' | 'BOOKED' | 'CANCELLED';
export type PaymentStatus = 'PENDING' | 'CAPTURED' | 'REFUNDED' | 'FAILED';
export type NotificationChannel = 'email' | 'sms' | 'push';
export type NotificationStatus = 'QUEUED' | 'SENT' | 'FAILED' | 'CANCELLED';
/** Why the engine queued a notification. */
export type NotificationKind = 'confirmation' | 'hold' | 'reminder' | 'cancellation' | 'expiry' | 'rejection';
export type SpecialDayKind = 'holiday' | 'event' | 'blackout';
export type BookingRuleKey =
  | 'max_advance_days'
  | 'min_lead_days'
  | 'max_rooms_per_booking'
  | 'hold_ttl_seconds'
  | 'max_nights';

/** The first failing availability check, in the order docs/API.md lists them. */
export type AvailabilityReason =
  | 'lead_time'
  | 'advance_window'
  | 'max_rooms'
  | 'no_inventory'
  | 'stop_sell'
  | 'closed_to_arrival'
  | 'closed_to_departure'
  | 'min_stay'
  | 'max_stay'
  | 'sold_out';

/** Every `EdgestayError.code`. Codes are stable strings. */
export type ErrorCode =
  // docs/API.md
  | 'INVALID_ARGUMENT'
  | 'INVALID_DATE'
  | 'INVALID_RANGE'
  | 'STAY_TOO_LONG'
  | 'UNKNOWN_HOTEL'
  | 'UNKNOWN_ROOM_TYPE'
  | 'UNKNOWN_BOOKING'
  | 'INVALID_JSON'
  | 'INVALID_BATCH'
  | 'INVALID_ROW'
  | 'FOREIGN_KEY'
  | 'REFERENCED'
  | 'CURSOR_MISMATCH'
  | 'CORRUPT_SNAPSHOT'
  | 'MIGRATION_FAILED'
  | 'SNAPSHOT_SIGNATURE'
  | 'ENGINE_CLOSED'
  | 'WASM_LOAD'
  | 'INTERNAL'
  | 'STORAGE'
  // booking lifecycle (createBooking, confirmHold, cancelBooking, joinWaitlist)
  | 'PAST_DATE'
  | 'TOO_MANY_ROOMS'
  | 'GUESTS_OVER_CAPACITY'
  | 'NOT_AVAILABLE'
  | 'INVALID_STATE'
  | 'HOLD_EXPIRED'
  | 'NOT_SOLD_OUT';

// ----------------------------------------------------------------------------------------
// Errors
// ----------------------------------------------------------------------------------------

/** Structured context of an error; which keys appear depends on the code. */
export interface ErrorDetails {
  /** INVALID_ROW / INVALID_BATCH / FOREIGN_KEY: index of the change in the batch. */
  change?: number;
  /** INVALID_ROW: index of the row in a columnar change (null for a single-row change). */
  row?: number | null;
  /** The offending argument or column. */
  field?: string;
  /** batchCheckAvailability / applyPushResults: index of the rejected query or result. */
  index?: number;
  hotelId?: number;
  roomTypeId?: number;
  bookingId?: number;
  /** INVALID_STATE / HOLD_EXPIRED: the booking's current status. */
  status?: BookingStatus;
  /** NOT_AVAILABLE / NOT_SOLD_OUT: the availability verdict behind the refusal. */
  reason?: AvailabilityReason | null;
  [key: string]: unknown;
}

/** Every failure of the engine. The engine stays usable after one. */
export class EdgestayError extends Error {
  constructor(code: ErrorCode, message: string, details?: ErrorDetails | null);
  name: 'EdgestayError';
  code: ErrorCode;
  details: ErrorDetails;
  /** Builds an error from the core's JSON `{ code, message, details }` (INTERNAL when unreadable). */
  static fromJson(text: string): EdgestayError;
}

// ----------------------------------------------------------------------------------------
// openEngine
// ----------------------------------------------------------------------------------------

/** A SQLite database image: from exportDatabase(), sql.js, or the server's bootstrap. */
export type Snapshot = Uint8Array | ArrayBuffer | ArrayBufferView;

export type CacheNamespace = 'roomTypes' | 'bookingRules' | 'specialDays' | 'availability' | 'userBookings' | 'reports';

export interface CacheOptions {
  /** Default true. */
  enabled?: boolean;
  /** Upper bound on cached answers (default 10000). */
  maxEntries?: number;
  /** Upper bound on the bytes of cached answers (default 32 MiB). */
  maxBytes?: number;
  /** Time to live per namespace, ms. TTL is a safety net; invalidation is exact. */
  ttlMs?: Partial<Record<CacheNamespace, number>>;
  /** 'repeat' (default): store an answer on the second miss of its key; 'always': on the first. */
  admission?: 'repeat' | 'always';
}

/** Where the engine keeps its database between runs (IndexedDB, OPFS, a file ...). */
export interface Persistence {
  /** Called by openEngine when no `snapshot` is given; return null/undefined for a fresh database. */
  load?: () => Snapshot | null | undefined | Promise<Snapshot | null | undefined>;
  /** Receives a full SQLite image, after writes (debounced) and on persist(). */
  save?: (image: Uint8Array) => void | Promise<void>;
  /** Debounce of the automatic save after a write, ms (default 1000; 0 turns auto-save off). */
  autoSaveMs?: number;
}

/** The two files of a page store: the SQLite database and its rollback journal. */
export type StoreFile = 'db' | 'journal';

/**
 * Where an engine opened with `store` keeps its database, page by page (docs/PERSISTENCE.md).
 * The core calls the synchronous methods inside each transaction; `sync` must make what was
 * written durable before it returns.
 */
export interface PageStore {
  /** Opens the files (asynchronous; openEngine calls it before the engine opens). */
  open?: () => Promise<void>;
  size(file: StoreFile): number;
  read(file: StoreFile, dst: Uint8Array, offset: number): void;
  write(file: StoreFile, src: Uint8Array, offset: number): void;
  truncate(file: StoreFile, size: number): void;
  sync(file: StoreFile): void;
  close(): void;
  /** Write-behind stores: resolves when every synced commit is stored. */
  flushed?: () => Promise<void>;
}

/** Node: the database at `path` (a plain SQLite file), its journal at `path`-journal; each sync is an fsync. */
export function fileStore(path: string): PageStore;
/** Browsers, dedicated worker only: OPFS `name`.sqlite through sync access handles. */
export function opfsStore(name: string): PageStore;
/** Browsers without OPFS sync handles: IndexedDB `name`, written behind (durable after `flushed()`). */
export function indexedDbStore(name: string): PageStore;

/** What an engine's page store was given so far. */
export interface StorageStats {
  bytesWritten: number;
  writes: number;
  syncs: number;
  /** The last error a store call threw, if any. */
  lastError?: string;
}

/**
 * A compiled `WebAssembly.Module`. Typed as such when the WebAssembly types are loaded
 * (lib "dom" or "webworker", or @types/node); `object` in a project without them.
 */
export type WasmModule = typeof globalThis extends { WebAssembly: { Module: abstract new (...args: any[]) => infer M } }
  ? M
  : object;

/** Options passed to the Emscripten module factory (advanced: custom wasm location). */
export interface CoreModuleOptions {
  /** The wasm bytes, when the host fetches or bundles them itself. */
  wasmBinary?: ArrayBuffer | ArrayBufferView;
  /** The compiled module (same as `OpenEngineOptions.wasmModule`). */
  wasmModule?: WasmModule;
  /** Maps a file the module needs (`edgestay_core.wasm`) to a URL. */
  locateFile?: (path: string, prefix: string) => string;
  [key: string]: unknown;
}

export interface OpenEngineOptions {
  /** Start from this SQLite image; missing tables are created, a foreign image is CORRUPT_SNAPSHOT. */
  snapshot?: Snapshot | null;
  /** The clock, ms since the epoch (default Date.now). Read at every call. */
  now?: () => EpochMs;
  /** Load at open, save after writes (whole images). */
  persistence?: Persistence | null;
  /**
   * Keep the database in this page store: each write is on the store when the call returns
   * (after `flushed()` for indexedDbStore). `snapshot` only seeds an empty store. Not with
   * `persistence` (INVALID_ARGUMENT).
   */
  store?: PageStore | null;
  /** Query cache settings, `false` to turn it off. */
  cache?: CacheOptions | boolean;
  /** Emscripten module options (custom wasm location or bytes). */
  module?: CoreModuleOptions;
  /**
   * The compiled core (`edgestay_core.wasm` as a `WebAssembly.Module`), as edge runtimes
   * (workerd, Workers) and bundlers provide it. Engines opened with the same module share
   * one instance. A value that is not this package's module rejects with `WASM_LOAD`.
   */
  wasmModule?: WasmModule;
  /**
   * Staleness contract: when the last successful sync (`asOf.syncedAt`) is older than this
   * (or the engine never synced), availability answers and createBooking carry `stale: true`.
   */
  maxStalenessSeconds?: number | null;
}

/** Loads the wasm core (once per realm) and opens an engine. */
export function openEngine(options?: OpenEngineOptions): Promise<Engine>;

// ----------------------------------------------------------------------------------------
// Query arguments
// ----------------------------------------------------------------------------------------

/** A stay `[checkIn, checkOut)` of `rooms` rooms of one room type. */
export interface StayQuery {
  roomTypeId: number;
  checkIn: DateString;
  checkOut: DateString;
  /** Default 1. */
  rooms?: number;
}

export interface HotelStayQuery {
  hotelId: number;
  checkIn: DateString;
  checkOut: DateString;
  /** Default 1. */
  rooms?: number;
  /** false: the summary form, each result without its `nightly` array. Default true. */
  nightly?: boolean;
}

export interface BatchOptions {
  /** false: the summary form, each answer without its `nightly` array. Default true. */
  nightly?: boolean;
}

/** A per-night column of the calendar grid. */
export type CalendarColumn = 'available' | 'priceCents' | 'minStay' | 'maxStay' | 'closedToArrival' |
  'closedToDeparture' | 'stopSell';

export interface CalendarQuery {
  hotelId: number;
  from: DateString;
  /** 1..366 */
  days: number;
  /** Only these columns in each room type's row (default: all seven). */
  columns?: readonly CalendarColumn[];
}

/** A half-open date range `[from, to)` of one hotel. */
export interface HotelRangeQuery {
  hotelId: number;
  from: DateString;
  to: DateString;
}

export interface UserBookingsOptions {
  /** Only these statuses (one or a list). */
  status?: BookingStatus | readonly BookingStatus[];
  /** Add each booking's payments (such answers are never cached). Default false. */
  includePayments?: boolean;
}

// ----------------------------------------------------------------------------------------
// Answers
// ----------------------------------------------------------------------------------------

/** Present (true) on answers of an engine past its maxStalenessSeconds. */
export interface MaybeStale {
  readonly stale?: true;
}

/** How fresh an answer is: the sync cursor and the centre's clock when it was cut. */
export interface AsOf {
  readonly cursor: string | null;
  readonly syncedAt: EpochMs | null;
}

export interface RoomType {
  readonly id: number;
  readonly hotelId: number;
  readonly name: string;
  readonly capacityAdults: number;
  readonly capacityChildren: number;
  readonly basePriceCents: number;
  readonly totalRooms: number;
}

export interface NightAvailability {
  readonly date: DateString;
  /** `available - pendingLocal` (may be below `rooms`); null without an inventory row. */
  readonly available: number | null;
  /** Effective price (special-day multiplier applied); null without an inventory row. */
  readonly priceCents: number | null;
}

/** One room type's verdict for a stay, as inside getAllRoomAvailability().results. */
export interface AvailabilityResult {
  readonly roomTypeId: number;
  /** The room type's name (a widget needs no second call). */
  readonly roomTypeName: string;
  readonly hotelId: number;
  readonly checkIn: DateString;
  readonly checkOut: DateString;
  readonly nights: number;
  readonly rooms: number;
  readonly available: boolean;
  /** The first failing check; null when `available`. */
  readonly reason: AvailabilityReason | null;
  /** One entry per night (absent in the summary form, see AvailabilitySummary). */
  readonly nightly: readonly NightAvailability[];
  /** Sum of nightly prices times rooms; null when a night has no row. */
  readonly totalCents: number | null;
  readonly currency: string;
}

/** checkRoomAvailability() / batchCheckAvailability() answer. */
export interface AvailabilityAnswer extends AvailabilityResult, MaybeStale {
  readonly asOf: AsOf;
}

/** The summary form (`nightly: false`): a result without its nightly breakdown. */
export type AvailabilitySummary = Omit<AvailabilityResult, 'nightly'>;
export type AvailabilitySummaryAnswer = Omit<AvailabilityAnswer, 'nightly'>;

export interface AllRoomAvailabilityAnswer extends MaybeStale {
  readonly hotelId: number;
  readonly checkIn: DateString;
  readonly checkOut: DateString;
  readonly nights: number;
  readonly rooms: number;
  /** One per room type of the hotel, by room type id. */
  readonly results: readonly AvailabilityResult[];
  readonly asOf: AsOf;
}

/**
 * One room type's row of the calendar grid: one value per date, null without a row. The
 * columns are those the query named (`columns`), all seven by default.
 */
export interface CalendarRoomType {
  readonly id: number;
  readonly name: string;
  /** Subtracts pending local bookings. */
  readonly available: readonly (number | null)[];
  /** Effective price. */
  readonly priceCents: readonly (number | null)[];
  /** Special-day override applied. */
  readonly minStay: readonly (number | null)[];
  /** 0 = no limit. */
  readonly maxStay: readonly (number | null)[];
  readonly closedToArrival: readonly (0 | 1 | null)[];
  readonly closedToDeparture: readonly (0 | 1 | null)[];
  /** 1 on stop-sell and blackout days. */
  readonly stopSell: readonly (0 | 1 | null)[];
}

/** getCalendar(): the widget's grid, columnar. */
export interface CalendarAnswer extends MaybeStale {
  readonly hotelId: number;
  readonly from: DateString;
  readonly days: number;
  readonly dates: readonly DateString[];
  readonly roomTypes: readonly CalendarRoomType[];
  readonly asOf: AsOf;
}

/** getCalendar({ columns }): each room type's row holds only the named columns. */
export interface CalendarAnswerOf<C extends CalendarColumn> extends Omit<CalendarAnswer, 'roomTypes'> {
  readonly roomTypes: readonly Pick<CalendarRoomType, 'id' | 'name' | C>[];
}

export interface AllRoomAvailabilitySummaryAnswer extends Omit<AllRoomAvailabilityAnswer, 'results'> {
  readonly results: readonly AvailabilitySummary[];
}

export interface Booking extends MaybeStale {
  /** Negative for a booking made on this engine (its local id). */
  readonly id: number;
  readonly hotelId: number;
  readonly userId: number;
  readonly roomTypeId: number;
  readonly roomTypeName: string;
  readonly status: BookingStatus;
  readonly checkIn: DateString;
  readonly checkOut: DateString;
  readonly nights: number;
  readonly rooms: number;
  readonly guests: number;
  readonly totalCents: number;
  readonly createdAt: EpochMs;
  readonly updatedAt: EpochMs;
  /** Set while HELD. */
  readonly holdExpiresAt: EpochMs | null;
  readonly idempotencyKey: string | null;
  readonly origin: BookingOrigin;
  /** The central id once the centre accepted a local booking. */
  readonly serverId: number | null;
}

export interface Payment {
  readonly id: number;
  readonly status: PaymentStatus;
  readonly amountCents: number;
  readonly createdAt: EpochMs;
}

export interface BookingWithPayments extends Booking {
  /** By id. */
  readonly payments: readonly Payment[];
}

export interface BookingStatistics {
  readonly hotelId: number;
  readonly from: DateString;
  readonly to: DateString;
  /** Bookings with `from <= checkIn < to`. */
  readonly total: number;
  readonly byStatus: { readonly [S in BookingStatus]: number };
  /** HELD + PENDING_SYNC + CONFIRMED. */
  readonly active: number;
  /** Sum of rooms * nights over active bookings. */
  readonly roomNights: number;
  /** Sum of totalCents over active bookings. */
  readonly revenueCents: number;
  /** Sum of totalCents per status. */
  readonly revenueByStatus: { readonly [S in BookingStatus]: number };
  /** Sum of totalCents of the CANCELLED bookings (what cancellations cost). */
  readonly cancelledValueCents: number;
  /** Mean nights per active booking (0 when none). */
  readonly averageNights: number;
  /** CANCELLED / total (0 when total is 0). */
  readonly cancellationRate: number;
}

/** Occupancy KPIs over nights `from <= d < to`, from inventory. */
export interface OccupancyKpis {
  /** Sum of `total`. */
  readonly roomsAvailable: number;
  /** Sum of `total - available`. */
  readonly roomsSold: number;
  /** Sum of sold rooms times the effective price. */
  readonly revenueCents: number;
  /** roomsSold / roomsAvailable, 0..1. */
  readonly occupancy: number;
  /** Average daily rate: revenueCents / roomsSold (a fraction of cents). */
  readonly adrCents: number;
  /** Revenue per available room: revenueCents / roomsAvailable. */
  readonly revparCents: number;
}

export interface RoomTypeOccupancy extends OccupancyKpis {
  readonly roomTypeId: number;
}

export interface OccupancyReport extends OccupancyKpis {
  readonly hotelId: number;
  readonly from: DateString;
  readonly to: DateString;
  /** By room type id; room types without rows in the range report zeros. */
  readonly roomTypes: readonly RoomTypeOccupancy[];
}

/** getBookingRules(): a hotel's rules with their defaults applied. */
export interface BookingRules {
  readonly hotelId: number;
  readonly currency: string;
  readonly utcOffsetMinutes: number;
  readonly maxAdvanceDays: number;
  readonly minLeadDays: number;
  readonly maxRoomsPerBooking: number;
  readonly holdTtlSeconds: number;
  readonly maxNights: number;
}

/** getSpecialDays() entry. */
export interface SpecialDay {
  readonly date: DateString;
  readonly kind: SpecialDayKind;
  readonly priceMultiplierPct: number;
  readonly minStay: number | null;
  readonly note: string | null;
}

export interface CacheCounters {
  readonly hits: number;
  readonly misses: number;
  /** hits / (hits + misses), 0 when there was no lookup. */
  readonly hitRate: number;
  readonly entries: number;
  readonly bytes: number;
  readonly evictions: number;
  readonly expirations: number;
  readonly invalidations: number;
}

export interface CacheNamespaceStats extends CacheCounters {
  readonly ttlMs: number;
}

/** cacheStats(): totals plus one entry per namespace. */
export interface CacheStats extends CacheCounters {
  readonly enabled: boolean;
  readonly admission: 'repeat' | 'always';
  /** Entries writes have examined for invalidation so far (a write looks at its buckets only). */
  readonly invalidationChecks: number;
  readonly maxEntries: number;
  readonly maxBytes: number;
  readonly namespaces: { readonly [N in CacheNamespace]: CacheNamespaceStats };
}

/** applyChanges() result. */
export interface ApplyResult {
  /** Rows applied. */
  readonly applied: number;
  /** The engine's cursor after the batch. */
  readonly cursor: string | null;
  /** The centre's clock of the batch (or the engine's clock when the batch had none). */
  readonly syncedAt: EpochMs;
}

/** One (room type, month) range's checksum: row count and the 64-bit sum of row hashes in hex. */
export interface RangeChecksum {
  readonly roomTypeId: number;
  readonly month: string;
  readonly count: number;
  readonly hash: string;
}

export interface RangeChecksums {
  readonly format: 'edgestay.checksums/1';
  readonly algorithm: string;
  readonly cursor: string | null;
  readonly syncedAt: EpochMs | null;
  readonly from: string;
  readonly to: string;
  readonly ranges: readonly RangeChecksum[];
}

/** explainQueries() entry: EXPLAIN QUERY PLAN of one prepared read. */
export interface QueryPlan {
  readonly sql: string;
  readonly plan: readonly string[];
}

// ----------------------------------------------------------------------------------------
// Booking lifecycle
// ----------------------------------------------------------------------------------------

export interface CreateBookingRequest {
  hotelId: number;
  roomTypeId: number;
  userId: number;
  checkIn: DateString;
  checkOut: DateString;
  /** Default 1. */
  rooms?: number;
  /** Default `rooms`; at most the room type's capacity times rooms. */
  guests?: number;
  /** The business key; a retry with the same key returns the original booking. Generated when absent. */
  idempotencyKey?: string;
  /** true: a tentative HELD booking that expires after the hotel's hold_ttl_seconds. Default false (PENDING_SYNC). */
  hold?: boolean;
}

export interface JoinWaitlistRequest {
  hotelId: number;
  roomTypeId: number;
  userId: number;
  checkIn: DateString;
  checkOut: DateString;
  /** Default 1. */
  rooms?: number;
  idempotencyKey?: string;
}

/** A waitlist entry made on this engine (negative id). */
export interface WaitlistEntry {
  readonly id: number;
  readonly hotelId: number;
  readonly userId: number;
  readonly roomTypeId: number;
  readonly checkIn: DateString;
  readonly checkOut: DateString;
  readonly rooms: number;
  readonly status: WaitlistStatus;
  readonly createdAt: EpochMs;
}

/** The 'waitlist' event's entry: a waiting guest offered the rooms that were freed. */
export interface WaitlistOffer {
  readonly id: number;
  readonly hotelId: number;
  readonly userId: number;
  readonly roomTypeId: number;
  readonly checkIn: DateString;
  readonly checkOut: DateString;
  readonly rooms: number;
  readonly status: 'OFFERED';
}

export interface DueNotificationsOptions {
  /** Notifications scheduled at or before this instant (default: now). */
  until?: EpochMs;
  /** Default 1000. */
  limit?: number;
}

export interface DueNotification {
  readonly id: number;
  readonly bookingId: number;
  readonly userId: number;
  readonly channel: NotificationChannel;
  readonly kind: NotificationKind;
  readonly scheduledAt: EpochMs;
}

// ----------------------------------------------------------------------------------------
// Push request and push result (sync/FORMAT.md §2, §3)
// ----------------------------------------------------------------------------------------

export type MutationType = 'createBooking' | 'cancelBooking' | 'confirmHold' | 'joinWaitlist';

export interface CreateBookingMutationArgs {
  readonly hotelId: number;
  readonly roomTypeId: number;
  readonly userId: number;
  readonly checkIn: DateString;
  readonly checkOut: DateString;
  readonly rooms: number;
  readonly guests: number;
  /** The booking's local (negative) id. */
  readonly localId: number;
  readonly totalCents?: number;
  readonly hold?: boolean;
  readonly holdExpiresAt?: EpochMs;
}

export interface BookingRefMutationArgs {
  /** The central id when known, else the local id. */
  readonly bookingId: number;
  readonly localId?: number;
  /** 'expired' when a hold ran out (sent as a cancelBooking). */
  readonly reason?: 'expired';
}

export interface JoinWaitlistMutationArgs {
  readonly hotelId: number;
  readonly roomTypeId: number;
  readonly userId: number;
  readonly checkIn: DateString;
  readonly checkOut: DateString;
  readonly rooms: number;
  readonly localId?: number;
}

interface MutationBase<T extends MutationType, A> {
  /** Strictly increasing per client, from 1, no gaps. */
  readonly seq: number;
  readonly type: T;
  /** 1..128 characters; the same key from any client returns the original outcome. */
  readonly idempotencyKey: string;
  readonly args: A;
}

export type Mutation =
  | MutationBase<'createBooking', CreateBookingMutationArgs>
  | MutationBase<'cancelBooking', BookingRefMutationArgs>
  | MutationBase<'confirmHold', BookingRefMutationArgs>
  | MutationBase<'joinWaitlist', JoinWaitlistMutationArgs>;

/** pendingMutations(): the body of `POST /v1/hotels/{hotelId}/mutations`. */
export interface PushRequest {
  readonly format: 'edgestay.push/1';
  /** 1..64 characters [A-Za-z0-9_.-], generated once per database. */
  readonly clientId: string;
  /** The outbox's pending mutations, by seq. */
  readonly mutations: readonly Mutation[];
}

export type PushRejectReason = AvailabilityReason | 'invalid' | 'unknown_booking';

export interface AppliedMutationResult {
  readonly seq: number;
  readonly status: 'applied';
  /** The booking as the centre now has it (central id). */
  readonly booking?: { readonly id: number; readonly status: BookingStatus; readonly totalCents?: number };
}

export interface RejectedMutationResult {
  readonly seq: number;
  readonly status: 'rejected';
  readonly reason: PushRejectReason;
  readonly message?: string;
}

export type MutationResult = AppliedMutationResult | RejectedMutationResult;

/** The centre's answer to a push request. */
export interface PushResult {
  readonly format: 'edgestay.pushResult/1';
  readonly clientId: string;
  readonly results: readonly MutationResult[];
}

/** applyPushResults(): how many results settled a mutation, and how many were replays or unknown. */
export interface ApplyPushResultsSummary {
  readonly applied: number;
  readonly rejected: number;
  readonly ignored: number;
}

// ----------------------------------------------------------------------------------------
// Change batches (sync/FORMAT.md §1)
// ----------------------------------------------------------------------------------------

export interface HotelRow {
  id: number;
  name: string;
  /** Default 'UTC'. */
  time_zone?: string;
  /** Three letters, default 'USD'. */
  currency?: string;
  /** -840..840, default 0. Decides "today" at the hotel. */
  utc_offset_minutes?: number;
}

export interface RoomTypeRow {
  id: number;
  hotel_id: number;
  name: string;
  /** >= 1, default 2. */
  capacity_adults?: number;
  /** Default 0. */
  capacity_children?: number;
  base_price_cents: number;
  total_rooms: number;
}

export interface RoomInventoryRow {
  room_type_id: number;
  date: DateString;
  total: number;
  /** <= total. */
  available: number;
  price_cents: number;
  /** 1..365, default 1. */
  min_stay?: number;
  /** 0 = no limit (default). */
  max_stay?: number;
  closed_to_arrival?: BoolLike;
  closed_to_departure?: BoolLike;
  stop_sell?: BoolLike;
}

export interface BookingRuleRow {
  hotel_id: number;
  key: BookingRuleKey;
  value: number;
}

export interface SpecialDayRow {
  hotel_id: number;
  date: DateString;
  kind: SpecialDayKind;
  /** 1..1000, default 100. */
  price_multiplier_pct?: number;
  /** 1..365 or null (default): overrides the check-in night's min_stay. */
  min_stay?: number | null;
  note?: string | null;
}

export interface BookingRow {
  id: number;
  hotel_id: number;
  user_id: number;
  room_type_id: number;
  status: BookingStatus;
  start_date: DateString;
  end_date: DateString;
  rooms: number;
  guests: number;
  total_cents: number;
  created_at: EpochMs;
  /** Default created_at. */
  updated_at?: EpochMs;
  hold_expires_at?: EpochMs | null;
  idempotency_key?: string | null;
  /** Default 'central'. */
  origin?: BookingOrigin;
  server_id?: number | null;
}

export interface WaitlistRow {
  id: number;
  hotel_id: number;
  user_id: number;
  room_type_id: number;
  start_date: DateString;
  end_date: DateString;
  rooms: number;
  /** Default 'WAITING'. */
  status?: WaitlistStatus;
  created_at: EpochMs;
}

export interface PaymentRow {
  id: number;
  booking_id: number;
  status: PaymentStatus;
  amount_cents: number;
  created_at: EpochMs;
}

export interface NotificationRow {
  id: number;
  booking_id: number;
  user_id: number;
  channel: NotificationChannel;
  /** Default 'QUEUED'. */
  status?: NotificationStatus;
  scheduled_at: EpochMs;
}

/** Row types by table name. */
export interface TableRows {
  hotels: HotelRow;
  room_types: RoomTypeRow;
  room_inventory: RoomInventoryRow;
  booking_rules: BookingRuleRow;
  special_days: SpecialDayRow;
  bookings: BookingRow;
  waitlist: WaitlistRow;
  payments: PaymentRow;
  notifications: NotificationRow;
}

/** Primary-key columns by table name. */
export interface TableKeys {
  hotels: 'id';
  room_types: 'id';
  room_inventory: 'room_type_id' | 'date';
  booking_rules: 'hotel_id' | 'key';
  special_days: 'hotel_id' | 'date';
  bookings: 'id';
  waitlist: 'id';
  payments: 'id';
  notifications: 'id';
}

export type TableName = keyof TableRows;

/**
 * An upserted row: the key is required; other columns are optional because an upsert
 * of an existing row only replaces the columns it names. (On insert, every column
 * without a default must be named; the engine rejects the batch otherwise.)
 */
export type UpsertRow<T extends TableName> = RowKey<T> & Partial<Omit<TableRows[T], TableKeys[T]>>;

/** The primary-key columns of a row of table T. */
export type RowKey<T extends TableName> = Pick<TableRows[T], TableKeys[T] & keyof TableRows[T]>;

/** A value of a columnar row. */
export type CellValue = string | number | boolean | null;

export interface RowUpsert<T extends TableName = TableName> {
  op: 'upsert';
  table: T;
  row: UpsertRow<T>;
}

/** The bulk form: each inner array has exactly `columns.length` values. */
export interface ColumnarUpsert<T extends TableName = TableName> {
  op: 'upsert';
  table: T;
  columns: readonly (keyof TableRows[T] & string)[];
  rows: readonly (readonly CellValue[])[];
}

export interface RowDelete<T extends TableName = TableName> {
  op: 'delete';
  table: T;
  key: RowKey<T>;
}

export type Change = { [T in TableName]: RowUpsert<T> | ColumnarUpsert<T> | RowDelete<T> }[TableName];

/** A change batch: one transaction, all or nothing. */
export interface ChangeBatch {
  format: 'edgestay.changes/1';
  /** The cursor this batch continues from; a mismatch is CURSOR_MISMATCH (absent: no check). */
  since?: string | number | null;
  /** The position after this batch, stored with the data. */
  cursor?: string | number | null;
  /** The centre's clock when the batch was cut (default: the engine's clock). */
  syncedAt?: EpochMs;
  changes: readonly Change[];
}

// ----------------------------------------------------------------------------------------
// Events
// ----------------------------------------------------------------------------------------

/** A changed date range `[from, to)`. */
export interface DateRange {
  readonly from: DateString;
  readonly to: DateString;
}

/** Payloads by event name. Events fire after the write committed. */
export interface EngineEvents {
  /** Inventory rows of a room type changed in [from, to). */
  inventory: DateRange & { readonly roomTypeId: number };
  /** A room type row changed. */
  roomType: { readonly roomTypeId: number };
  /** A hotel row or its booking rules changed. */
  hotel: { readonly hotelId: number };
  /** Special days of a hotel changed in [from, to). */
  specialDay: DateRange & { readonly hotelId: number };
  /** Bookings changed: the users and stays affected, and the local bookings written. */
  booking: {
    readonly userIds: readonly number[];
    readonly ranges: readonly (DateRange & { readonly roomTypeId: number })[];
    readonly bookings: readonly Booking[];
  };
  /** A waiting guest was offered freed rooms. */
  waitlist: { readonly entry: WaitlistOffer };
  /** A change batch was applied (the applyChanges result). */
  sync: ApplyResult;
}

export type EngineEventName = keyof EngineEvents;

// ----------------------------------------------------------------------------------------
// Engine
// ----------------------------------------------------------------------------------------

/**
 * An open engine. Every call is synchronous (except persist) and throws EdgestayError
 * on failure; ENGINE_CLOSED after close(). Create one with openEngine().
 */
export class Engine {
  private constructor();

  // queries
  /** Room types of a hotel, by id. */
  getRoomTypes(hotelId: number): readonly RoomType[];
  checkRoomAvailability(query: StayQuery): AvailabilityAnswer;
  getAllRoomAvailability(query: HotelStayQuery & { nightly?: true }): AllRoomAvailabilityAnswer;
  getAllRoomAvailability(query: HotelStayQuery & { nightly: false }): AllRoomAvailabilitySummaryAnswer;
  /** At most 1000 queries; one invalid query rejects the call (details.index). */
  batchCheckAvailability(queries: readonly StayQuery[], options?: BatchOptions & { nightly?: true }): readonly AvailabilityAnswer[];
  batchCheckAvailability(queries: readonly StayQuery[], options: BatchOptions & { nightly: false }): readonly AvailabilitySummaryAnswer[];
  getCalendar(query: CalendarQuery & { columns?: undefined }): CalendarAnswer;
  getCalendar<C extends CalendarColumn>(query: CalendarQuery & { columns: readonly C[] }): CalendarAnswerOf<C>;
  /** Newest first. */
  getUserBookingsWithRoomType(
    userId: number,
    options: UserBookingsOptions & { includePayments: true },
  ): readonly BookingWithPayments[];
  getUserBookingsWithRoomType(userId: number, options?: UserBookingsOptions): readonly Booking[];
  getBookingStatistics(query: HotelRangeQuery): BookingStatistics;
  /** `to - from` at most 1096 days. */
  getOccupancyRate(query: HotelRangeQuery): OccupancyReport;
  getBookingRules(hotelId: number): BookingRules;
  /** Special days in [from, to), by date. */
  getSpecialDays(query: HotelRangeQuery): readonly SpecialDay[];

  /** The sync position every answer's asOf reports (the last applied batch). */
  asOf(): AsOf;
  /** True when the last successful sync is older than maxStalenessSeconds (or never happened). */
  isStale(): boolean;

  // query cache
  cacheStats(): CacheStats;
  clearCache(): Record<string, never>;
  /** Reconfigures the cache (as openEngine's `cache` option); returns the new stats. */
  configureCache(cache: CacheOptions | boolean): CacheStats;

  // booking lifecycle: local writes, each appended to the outbox
  /** A PENDING_SYNC booking, or HELD with `hold: true`. Refusals: NOT_AVAILABLE (details.reason), PAST_DATE, ... */
  createBooking(booking: CreateBookingRequest): Booking;
  /** HELD, PENDING_SYNC or CONFIRMED -> CANCELLED. */
  cancelBooking(bookingId: number): Booking;
  /** HELD -> PENDING_SYNC; HOLD_EXPIRED when its time is up. */
  confirmHold(bookingId: number): Booking;
  /** Only for a stay that is sold out (else NOT_SOLD_OUT). */
  joinWaitlist(entry: JoinWaitlistRequest): WaitlistEntry;
  /** The outbox as a push request. */
  pendingMutations(): PushRequest;
  /** Settles outbox entries with the centre's results (a PushResult or its `results`). */
  applyPushResults(results: PushResult | readonly MutationResult[]): ApplyPushResultsSummary;
  getDueNotifications(options?: DueNotificationsOptions): readonly DueNotification[];
  markNotifications(ids: readonly number[], status?: 'SENT' | 'FAILED' | 'CANCELLED'): { readonly updated: number };

  /** EXPLAIN QUERY PLAN of every read statement prepared so far. */
  explainQueries(): readonly QueryPlan[];

  /** Range checksums per (room type, month) over [from, to), as the centre computes them (sync/FORMAT.md §6). */
  rangeChecksums(query: { hotelId: number; from: DateString; to: DateString }): RangeChecksums;
  /** Rolling window: keeps the whole months meeting [today - pastDays, today + horizonDays). */
  pruneWindow(window: { hotelId: number; pastDays?: number; horizonDays?: number }): {
    from: DateString; to: DateString; bytesBefore: number; bytesAfter: number; vacuumed: boolean;
    deleted: { inventory: number; specialDays: number; payments: number; notifications: number; bookings: number; waitlist: number } };
  /** Replaces one range by the centre's repair answer for it, in one transaction. */
  repairRange(batch: object): { applied: number; cursor: string | null; syncedAt: EpochMs };

  /** The hotel's leases this node holds become exactly the ACTIVE ones given (sync/FORMAT.md §9). */
  setLeases(hotelId: number, leases: readonly object[], options?: { skewSeconds?: number }): { readonly leases: number };
  /** The node's leases, with the units its own bookings left per night. */
  leases(hotelId: number): readonly {
    readonly id: number; readonly hotelId: number; readonly roomTypeId: number; readonly from: DateString;
    readonly to: DateString; readonly rooms: number; readonly expiresAt: EpochMs; readonly usableUntil: EpochMs;
    readonly usable: boolean; readonly nights: readonly { readonly date: DateString; readonly unitsLeft: number }[];
  }[];

  // writes
  /** Applies a change batch (object or JSON text) in one transaction. */
  applyChanges(batch: ChangeBatch | string): ApplyResult;

  // database image
  /** A plain SQLite image (sql.js, better-sqlite3 and the sqlite3 shell open it). */
  exportDatabase(): Uint8Array;
  /** Saves now through `persistence.save` (INVALID_ARGUMENT without one). */
  persist(): Promise<void>;
  /** Bytes, writes and syncs given to the page store so far; null without a store. */
  storageStats(): StorageStats | null;
  /** Resolves when every committed write is in the store (write-behind stores). */
  flushed(): Promise<void>;

  // events
  /** Subscribes to an event; returns the unsubscribe function. */
  on<K extends EngineEventName>(type: K, listener: (payload: EngineEvents[K]) => void): () => boolean | undefined;

  /** Frees the engine; later calls throw ENGINE_CLOSED. Idempotent. */
  close(): void;
}
