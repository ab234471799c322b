// Types of `edgestay/sync`: the SyncClient that keeps one engine in step with edgestay-server.
import type { Engine } from '../../bindings/js/index.js';

/** Codes of SyncError: the server's error codes, or one of the transport's own. */
export type SyncErrorCode = 'NETWORK' | 'BAD_RESPONSE' | 'HTTP_ERROR' | (string & {});

/** A failed request to the server. `status` is the HTTP status (0 when none arrived). */
export class SyncError extends Error {
  constructor(code: SyncErrorCode, message: string, options?: { status?: number; cause?: unknown; details?: unknown });
  readonly name: 'SyncError';
  code: SyncErrorCode;
  status: number;
  /** The server error's details, e.g. `{ reason: 'sold_out' }` of LEASE_REFUSED. */
  details?: { reason?: string; [key: string]: unknown };
}

/** An allotment lease as the centre answers it (sync/FORMAT.md §9). */
export interface Lease {
  id: number;
  hotelId: number;
  roomTypeId: number;
  from: string;
  to: string;
  rooms: number;
  status: 'ACTIVE' | 'RELEASED' | 'EXPIRED';
  /** The centre's clock, ms. */
  expiresAt: number;
  createdAt: number;
  updatedAt: number;
  idempotencyKey: string | null;
  nights: { date: string; unitsLeft: number }[];
}

export interface SyncClientOptions {
  /** The server, e.g. `http://127.0.0.1:8787` (trailing slashes are ignored). */
  baseUrl: string;
  /** The one hotel whose feed this client follows. */
  hotelId: number;
  /** A lease is used locally until expiresAt minus this many seconds (default 60). */
  leaseSkewSeconds?: number;
  /** A bearer token (`read` pulls; `book` also pushes). */
  token?: string | null;
  /** The fetch to use (default globalThis.fetch). */
  fetch?: typeof globalThis.fetch;
  /** Changes per pull request (default 5000; the server caps it at 10000). */
  pageSize?: number;
  /** Long-poll length while running, seconds (default 25). */
  waitSeconds?: number;
  /** First retry delay after a failure, ms (default 500), doubled up to maxBackoffMs. */
  initialBackoffMs?: number;
  /** Largest retry delay, ms (default 30000). */
  maxBackoffMs?: number;
  /** Per-request timeout, ms (default 60000; a long-poll adds its wait). */
  requestTimeoutMs?: number;
  /** Mutations per push request (default 500, the server's limit). */
  pushBatchSize?: number;
  /** Poll interval when the server declines to long-poll, ms (default 2000). */
  pollIntervalMs?: number;
}

export interface PushSummary {
  pushed: number;
  applied: number;
  rejected: number;
}

export interface PullSummary {
  batches: number;
  changes: number;
  cursor: string | null;
  waited: boolean;
}

export type SyncSummary = PushSummary & Omit<PullSummary, 'waited'>;

export interface SyncProgress {
  phase: 'push' | 'pull';
  pushed?: number;
  applied: number;
  rejected?: number;
  cursor?: string | null;
  hasMore?: boolean;
}

export interface SyncClientEvents {
  /** A PullSummary alone under start({ push: false }). */
  sync: SyncSummary | PullSummary;
  progress: SyncProgress;
  error: { error: unknown; retryInMs: number };
}

export class SyncClient {
  constructor(engine: Engine, options: SyncClientOptions);
  /** The bearer token; may be replaced between requests. */
  token: string | null;
  /** True between start() and stop(). */
  readonly running: boolean;
  /** Subscribes to an event; returns the unsubscribe function. */
  on<K extends keyof SyncClientEvents>(type: K, listener: (payload: SyncClientEvents[K]) => void): () => void;
  /** Pushes the engine's outbox once and applies the centre's verdicts. */
  push(options?: { signal?: AbortSignal }): Promise<PushSummary>;
  /** Pulls until up to date; with waitSeconds the first request long-polls. */
  pull(options?: { signal?: AbortSignal; waitSeconds?: number }): Promise<PullSummary>;
  /** Push, then pull until up to date. A call made while a run is in flight gets the next
   *  run (shared by every call made meanwhile), so it always pushes the writes made before it. */
  syncOnce(options?: { signal?: AbortSignal }): Promise<SyncSummary>;
  /**
   * Rolling window (sync/FORMAT.md §8): sync, engine.pruneWindow, then verify the window,
   * which pulls the months that entered it. Run it daily.
   */
  maintainWindow(options?: { pastDays?: number; horizonDays?: number; signal?: AbortSignal }): Promise<
    ReturnType<Engine['pruneWindow']> & {
      differing: { roomTypeId: number; month: string }[];
      repaired: { roomTypeId: number; month: string }[];
      unrepaired: { roomTypeId: number; month: string }[];
    }>;
  /**
   * Keeps syncing (long-poll or every intervalMs) with exponential backoff on failure.
   * `push: false` only pulls (the outbox belongs to another writer); each pull emits 'sync'.
   */
  start(options?: { intervalMs?: number; push?: boolean }): void;
  /** Stops the loop and waits for it to end. */
  stop(): Promise<void>;
  /** Asks the centre for an allotment lease; the engine then confirms bookings inside it locally. */
  requestLease(request: { roomTypeId: number; from: string; to: string; rooms: number; ttlSeconds: number;
    idempotencyKey?: string; signal?: AbortSignal }): Promise<Lease>;
  /** expiresAt = the centre's now + ttlSeconds. */
  renewLease(leaseId: number, ttlSeconds: number, options?: { signal?: AbortSignal }): Promise<Lease>;
  /** Keeps `rooms` per night; the unused rest goes back to general inventory. */
  shrinkLease(leaseId: number, rooms: number, options?: { signal?: AbortSignal }): Promise<Lease>;
  /** Ends the lease; its unused units go back to general inventory. */
  releaseLease(leaseId: number, options?: { signal?: AbortSignal }): Promise<Lease>;
  /** Reloads this token's ACTIVE leases from the centre into the engine. */
  refreshLeases(options?: { signal?: AbortSignal }): Promise<Lease[]>;
  /** The engine's leases with the units its own bookings left per night. */
  leases(): ReturnType<Engine['leases']>;
}
