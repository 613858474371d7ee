/**
 * The rate budget in Redis, shared by every process using the same server: per key a sorted set
 * of send times (a sliding log), taken in one Lua script on Redis's own clock (`TIME`), so all
 * processes judge the window by one clock and no two can take the last slot. The script answers
 * 0 when it took a slot, else the milliseconds until the oldest send leaves the window; the
 * caller sleeps that long (abortable) and asks again. An answered send's score moves to Redis's
 * now (a second script, `ZADD XX`), so it leaves the window only a window after its answer. The key is `<prefix>{rate:<hash>}`: the
 * hash tag keeps it whole on one Redis Cluster slot, the hash keeps account keys (credentials)
 * out of Redis. It sends through the RedisTokenStore that made it (`store.rateBudget()`), so
 * failures are the store's StoreErrors.
 */
import { createHash, randomUUID } from 'node:crypto';
import { sleep, throwIfAborted } from '../abort.js';
import type { BudgetLimit, RateBudget, RateSlot } from './rate-budget.js';

/**
 * A Lua script and its SHA-1, for EVALSHA.
 *
 * @example const s: RedisScript = { source: 'return 1', sha: createHash('sha1').update('return 1').digest('hex') };
 */
export interface RedisScript {
  source: string;
  sha: string;
}

/**
 * How the budget reaches Redis: runs a script on one key (EVALSHA, loading it when Redis does
 * not know it), as the store's own scripts run.
 *
 * @example const run: RedisScriptRunner = (script, key, args) => client.sendCommand(['EVAL', script.source, '1', key, ...args]);
 */
export type RedisScriptRunner = (script: RedisScript, key: string, args: string[]) => Promise<unknown>;

/** Removes sends that left the window; takes a slot (score: now in ms, member: unique) or answers the wait. */
const TAKE = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window))
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, math.ceil(tonumber(oldest[2]) + window - now))`;

/** The ms until the oldest send still in the window leaves it; 0 when none is. */
const NEXT_SLOT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
local window = tonumber(ARGV[1])
local oldest = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. (now - window), '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
if #oldest == 0 then return 0 end
return math.max(0, math.ceil(tonumber(oldest[2]) + window - now))`;

/** Moves send ARGV[1] (if still in the log) to now, and keeps the key for a window from now. */
const ANSWERED = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
if redis.call('ZADD', KEYS[1], 'XX', 'CH', now, ARGV[1]) == 1 then redis.call('PEXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2]))) end
return 0`;

const script = (source: string): RedisScript => ({ source, sha: createHash('sha1').update(source).digest('hex') });
const SCRIPTS = { take: script(TAKE), answered: script(ANSWERED), nextSlot: script(NEXT_SLOT) };

/**
 * A RateBudget in Redis. Made by `RedisTokenStore.rateBudget()`; the connector uses it for every
 * connection on that store.
 *
 * @example
 * const budget = new RedisTokenStore(url).rateBudget();
 * await budget.acquire(rateBudgetKey(['connector', 'snov-io']), { requests: 60, windowMs: 60_250 });
 */
export class RedisRateBudget implements RateBudget {
  readonly #run: RedisScriptRunner;
  readonly #prefix: string;

  constructor(run: RedisScriptRunner, keyPrefix: string) {
    this.#run = run;
    this.#prefix = keyPrefix;
  }

  async acquire(key: string, limit: BudgetLimit, signal?: AbortSignal): Promise<RateSlot> {
    const redisKey = this.#key(key);
    const member = randomUUID();
    for (;;) {
      throwIfAborted(signal);
      const wait = Number(await this.#run(SCRIPTS.take, redisKey, [String(limit.requests), String(limit.windowMs), member]));
      if (wait === 0) break;
      await sleep(wait, signal);
    }
    return {
      // A send Redis cannot be told about keeps its first time: the margin still covers it.
      answered: () => this.#run(SCRIPTS.answered, redisKey, [member, String(limit.windowMs)]).then(
        () => undefined,
        () => undefined,
      ),
    };
  }

  async nextSlotMs(key: string, limit: BudgetLimit): Promise<number> {
    return Number(await this.#run(SCRIPTS.nextSlot, this.#key(key), [String(limit.windowMs)]));
  }

  #key(key: string): string {
    return `${this.#prefix}{rate:${key}}`;
  }
}
